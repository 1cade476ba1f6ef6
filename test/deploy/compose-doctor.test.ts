import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { composeRampartEnv } from "../helpers/compose.ts";
import { TEST_ENCRYPTION_KEY } from "../helpers/config.ts";
import { createPostgresSchema } from "../helpers/database.ts";
import { doctorJson } from "../helpers/doctor.ts";
import { type ServerProcess, startServerProcess } from "../helpers/server-process.ts";
import { postgres, redis } from "../helpers/services.ts";
import { freePort } from "../scale/instances.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const pgService = await postgres();
const redisService = await redis();

/**
 * compose.yaml's Rampart environment, rendered as compose renders it, run as a real
 * (supervised, WORKERS=2) server and examined by `rampart doctor --production` from outside.
 * Only what cannot be the same on a test machine is replaced: the addresses of PostgreSQL
 * and Redis (compose's service names), the key file's path, and the ports.
 */
describe(
  "compose.yaml's Rampart configuration under the doctor's production profile",
  {
    skip: pgService.skip || redisService.skip,
  },
  () => {
    let schema: Awaited<ReturnType<typeof createPostgresSchema>>;
    let dir: string;
    let server: ServerProcess;
    let env: Record<string, string>;

    before(async () => {
      schema = await createPostgresSchema();
      dir = mkdtempSync(join(tmpdir(), "rampart-compose-"));
      const keyFile = join(dir, "jwt_private_key");
      const key = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
      writeFileSync(keyFile, key.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
      const prefix = `compose-${randomBytes(4).toString("hex")}`;
      const rendered = composeRampartEnv({
        SMTP_URL: "smtps://rampart:change-me@smtp.example.com:465",
        ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      });
      env = {
        ...rendered,
        PATH: process.env.PATH ?? "",
        LOG_FORMAT: "json",
        DATA_DIR: dir,
        DATABASE_URL: schema.url,
        REDIS_URL: String(redisService.url),
        JWT_PRIVATE_KEY_FILE: keyFile,
        PORT: "0",
        METRICS_PORT: String(await freePort()),
        // A shared Redis: this run's keys and channel apart from every other test's.
        RATE_LIMIT_KEY_PREFIX: `${prefix}:rl`,
        CACHE_KEY_PREFIX: `${prefix}:cache`,
        PLATFORM_STATE_CHANNEL: `${prefix}:platform-state`,
      };
      // compose's `migrate` service, before the instances start.
      const migrated = spawnSync(process.execPath, ["src/cli/main.ts", "migrate", "up"], {
        cwd: ROOT,
        env,
        encoding: "utf8",
        timeout: 60_000,
      });
      assert.equal(migrated.status, 0, migrated.stderr);
      server = await startServerProcess(env, 60_000, ["src/cli/main.ts", "serve"]);
    });
    after(async () => {
      server?.child.kill("SIGTERM");
      await server?.exited();
      rmSync(dir, { recursive: true, force: true });
      await schema?.dropSchema();
    });

    it("sets the trusted hosts, a metrics port, a mail relay and an encryption key", () => {
      const rendered = composeRampartEnv({ SMTP_URL: "smtp://relay:25", ENCRYPTION_KEY: TEST_ENCRYPTION_KEY });
      assert.equal(rendered.TRUSTED_HOSTS, "127.0.0.1,localhost");
      assert.equal(rendered.METRICS_PORT, "9464");
      assert.equal(rendered.SMTP_URL, "smtp://relay:25");
      assert.throws(
        () => composeRampartEnv({ ENCRYPTION_KEY: TEST_ENCRYPTION_KEY }),
        /compose\.yaml requires SMTP_URL/,
      );
      assert.throws(() => composeRampartEnv({ SMTP_URL: "smtp://relay:25" }), /compose\.yaml requires ENCRYPTION_KEY/);
    });

    it("passes every check of rampart doctor --production, and its metrics port serves Prometheus", async () => {
      const { code, report, status } = await doctorJson([
        "--url",
        server.url,
        "--production",
        "--origin",
        "https://app.example.com",
      ]);
      const notPassing = report.checks
        .filter((c) => c.status !== "pass" && c.id !== "rate-limit-burst")
        .map((c) => `${c.id}: ${c.status} ${c.evidence}`);
      assert.deepEqual(notPassing, []);
      assert.equal(status["rate-limit-burst"], "skip", "only with --load");
      assert.equal(code, 0);
      const scrape = await fetch(`http://127.0.0.1:${env.METRICS_PORT}/metrics`);
      assert.equal(scrape.status, 200);
      assert.match(await scrape.text(), /^# HELP rampart_http_request_duration_seconds /m);
    });
  },
);
