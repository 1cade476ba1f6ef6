import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { type ServerProcess, startServerProcess } from "../../helpers/server-process.ts";
import { redis } from "../../helpers/services.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;
const redisService = await redis();

/** Runs the real `rampart` CLI; resolves with its exit code and output. */
async function rampart(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ["bin/rampart.js", ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", APP_ENV: "test", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => {
    stdout += d;
  });
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const [code] = await once(child, "exit");
  return { code: code as number, stdout, stderr };
}

async function statusOf(server: ServerProcess, path: string): Promise<number> {
  const res = await fetch(`${server.url}${path}`);
  await res.arrayBuffer();
  return res.status;
}

/** Milliseconds until every server answers `path` with `status` (fails after `limitMs` × 5, to report the figure). */
async function msUntil(servers: ServerProcess[], path: string, status: number, limitMs: number): Promise<number> {
  const start = performance.now();
  const pending = new Set(servers);
  while (pending.size > 0) {
    for (const server of [...pending]) if ((await statusOf(server, path)) === status) pending.delete(server);
    const elapsed = performance.now() - start;
    if (pending.size > 0 && elapsed > limitMs * 5)
      throw new Error(`not every instance answered ${status} after ${elapsed} ms`);
    if (pending.size > 0) await new Promise((r) => setTimeout(r, 20));
  }
  return performance.now() - start;
}

/**
 * Two real server processes on one database; the kill switch is turned on and off with the
 * real CLI, which writes the database (and announces over Redis when configured) and exits.
 * From the CLI's exit, both instances must follow within 2 s.
 */
function propagationSuite(name: string, extraEnv: () => Record<string, string>, skip: false | string) {
  describe(name, { skip }, () => {
    const dir = mkdtempSync(join(tmpdir(), "rampart-killswitch-"));
    const servers: ServerProcess[] = [];
    after(async () => {
      for (const s of servers) {
        s.child.kill("SIGTERM");
        await s.exited();
      }
      rmSync(dir, { recursive: true, force: true });
    });

    it("a kill switch enabled from the CLI is enforced by both instances within 2 s, and lifted the same way", async () => {
      const env = {
        DATA_DIR: dir,
        DATABASE_URL: `sqlite:${join(dir, "shared.db")}`,
        // Polling every 20 ms for up to seconds is far beyond the anonymous tier's budget
        // (30 a minute): the 429s it earns would hide the 401 that shows the switch lifted.
        ENABLE_RATE_LIMITING: "false",
        ...extraEnv(),
      };
      // One after the other: the first creates the database and the signing key the second reuses.
      servers.push(await startServerProcess(env));
      servers.push(await startServerProcess(env));
      for (const s of servers) assert.equal(await statusOf(s, "/api/v1/users/me"), 401);

      const enable = await rampart(
        ["kill-switch", "enable", "--reason", "Planned maintenance", "--retry-after", "90"],
        env,
      );
      assert.equal(enable.code, 0, enable.stderr);
      const onMs = await msUntil(servers, "/api/v1/users/me", 503, 2000);
      assert.ok(onMs <= 2000, `both instances refused within ${Math.round(onMs)} ms of the CLI's exit`);
      for (const s of servers) {
        const res = await fetch(`${s.url}/api/v1/auth/login`, { method: "POST" });
        assert.equal(res.status, 503);
        assert.equal(res.headers.get("retry-after"), "90");
        assert.equal(((await res.json()) as { detail: string }).detail, "Planned maintenance");
        assert.equal(await statusOf(s, "/health"), 200);
      }
      const status = await rampart(["kill-switch", "status"], env);
      assert.match(
        status.stdout,
        /kill switch: ON .* by cli:\S+\)\n {2}reason: Planned maintenance\n {2}retry-after: 90 s/,
      );

      const disable = await rampart(["kill-switch", "disable"], env);
      assert.equal(disable.code, 0, disable.stderr);
      const offMs = await msUntil(servers, "/api/v1/users/me", 401, 2000);
      assert.ok(offMs <= 2000, `both instances served again within ${Math.round(offMs)} ms`);
      process.stdout.write(`# ${name}: on after ${Math.round(onMs)} ms, off after ${Math.round(offMs)} ms\n`);
    });
  });
}

// Without Redis the instances poll the database every PLATFORM_STATE_POLL_MS (default 1 s).
propagationSuite("kill switch propagation without Redis (database polling)", () => ({}), false);

// With Redis the poll is set to a minute, so only the pub/sub announcement can meet the 2 s.
propagationSuite(
  "kill switch propagation with Redis (pub/sub)",
  () => ({
    REDIS_URL: redisService.url ?? "",
    PLATFORM_STATE_POLL_MS: "60000",
    PLATFORM_STATE_CHANNEL: `rampart:test:${randomBytes(4).toString("hex")}:platform-state`,
    RATE_LIMIT_KEY_PREFIX: `rampart:test:${randomBytes(4).toString("hex")}:rl`,
    CACHE_KEY_PREFIX: `rampart:test:${randomBytes(4).toString("hex")}:cache`,
  }),
  redisService.skip,
);
