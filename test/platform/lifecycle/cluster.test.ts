import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { MAX_CRASHES_IN_A_ROW } from "../../../src/platform/lifecycle/supervisor.ts";
import { type ServerProcess, startServerProcess } from "../../helpers/server-process.ts";

type Line = Record<string, unknown>;

function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    })
      .on("error", reject)
      .end();
  });
}

/** Waits (generously: the machine may be loaded) for the n-th log line matching `match`. */
async function nthLine(server: ServerProcess, match: (l: Line) => boolean, n = 1, timeoutMs = 60_000): Promise<Line> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = server.lines.filter(match);
    if (found.length >= n) return found[n - 1] as Line;
    if (Date.now() > deadline)
      assert.fail(`no line #${n} matching in time; got ${JSON.stringify(server.lines.map((l) => l.msg))}`);
    await sleep(50);
  }
}

/** The exit code, or a failure listing what the processes said when they do not exit in time. */
async function exitCode(server: ServerProcess, timeoutMs = 60_000): Promise<number | string> {
  const timeout = sleep(timeoutMs, "timeout" as const, { ref: false });
  const result = await Promise.race([server.exited(), timeout]);
  if (result === "timeout") {
    server.child.kill("SIGKILL");
    assert.fail(`no exit in time; lines: ${JSON.stringify(server.lines.map((l) => [l.worker ?? l.role, l.msg]))}`);
  }
  return result;
}

const msg = (text: string) => (l: Line) => l.msg === text;

describe("cluster mode (WORKERS > 1)", () => {
  const dirs: string[] = [];
  async function dataDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "rampart-cluster-"));
    dirs.push(dir);
    return dir;
  }
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("serves one port from every worker, migrates once in the supervisor, and drains all on SIGTERM", async () => {
    const server = await startServerProcess({ WORKERS: "2", DATA_DIR: await dataDir() }, 60_000);
    const ready = await nthLine(server, msg("all workers listening"));
    assert.equal(ready.role, "supervisor");
    assert.equal(ready.workers, 2);
    assert.equal(String(ready.port), new URL(server.url).port);
    // Not /health: probes log only at warn.
    for (let i = 0; i < 20; i++) assert.equal(await get(`${server.url}/.well-known/jwks.json`), 200);

    server.child.kill("SIGTERM");
    assert.equal(await exitCode(server), 0);
    const lines = server.lines;
    const migrations = lines.filter((l) => l.msg === "migration applied");
    assert.ok(migrations.length > 0);
    assert.ok(
      migrations.every((l) => l.role === "supervisor" && l.worker === undefined),
      "only the supervisor migrates",
    );
    const served = new Set(lines.filter((l) => l.msg === "request completed").map((l) => l.worker));
    assert.deepEqual([...served].sort(), [1, 2], "requests were served by both workers, and their lines say which");
    const completed = lines.filter((l) => l.msg === "shutdown complete").map((l) => l.worker);
    assert.deepEqual(completed.sort(), [1, 2], "every worker drained");
    assert.ok(lines.some((l) => l.msg === "all workers stopped" && l.exitCode === 0));
  });

  it("restarts a crashed worker, and gives up with exit 1 when workers crash in a loop", async () => {
    const server = await startServerProcess({ WORKERS: "2", DATA_DIR: await dataDir() }, 60_000);
    await nthLine(server, msg("all workers listening"));
    const started = (n: number) => nthLine(server, msg("worker started"), n);

    const first = await started(1);
    process.kill(Number(first.workerPid), "SIGKILL");
    const died = await nthLine(server, msg("worker died; restarting"));
    assert.equal(died.worker, first.worker);
    assert.equal(died.signal, "SIGKILL");
    assert.equal(died.restartInMs, 100);
    const replacement = await started(3);
    await nthLine(server, (l) => l.msg === "rampart listening" && l.worker === replacement.worker);
    assert.equal(await get(`${server.url}/health`), 200, "the port keeps serving");

    // Kill each new worker as soon as it starts: backoff doubles, then the supervisor gives up.
    for (let n = 3; n < 3 + MAX_CRASHES_IN_A_ROW; n++) {
      const worker = await started(n);
      try {
        process.kill(Number(worker.workerPid), "SIGKILL");
      } catch {}
    }
    assert.equal(await exitCode(server), 1);
    const delays = server.lines.filter(msg("worker died; restarting")).map((l) => l.restartInMs);
    assert.deepEqual(delays.slice(0, 5), [100, 200, 400, 800, 1600]);
    assert.ok(server.lines.some(msg("workers crash in a loop; giving up")));
  });

  it("a supervised server started by rampart serve exits 0 after every drain, stop after stop", async () => {
    // The CLI awaits a promise the server never settles; the supervisor's own exit is the only
    // way out. If the supervisor missed its last worker's exit, Node would find the event loop
    // empty and exit 13 ("unsettled top-level await") instead: a failed deploy under systemd.
    const dir = await dataDir();
    for (let run = 1; run <= 8; run++) {
      const server = await startServerProcess({ WORKERS: "2", DATA_DIR: dir }, 60_000, ["src/cli/main.ts", "serve"]);
      await nthLine(server, msg("all workers listening"));
      server.child.kill("SIGTERM");
      const code = await exitCode(server);
      assert.equal(code, 0, `stop #${run} exited ${code}: ${server.stderr.join(" | ")}`);
      assert.ok(
        server.lines.some((l) => l.msg === "all workers stopped" && l.exitCode === 0),
        `stop #${run}`,
      );
    }
  });
});
