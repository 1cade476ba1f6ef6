import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { migrationNames } from "../../../src/platform/db/migrator.ts";
import { testProductionSigningKey } from "../../helpers/app.ts";
import { PRODUCTION_WEBAUTHN, TEST_ENCRYPTION_KEY } from "../../helpers/config.ts";
import { createPostgresSchema } from "../../helpers/database.ts";
import { doctorJson } from "../../helpers/doctor.ts";
import { type ServerProcess, startServerProcess } from "../../helpers/server-process.ts";
import { postgres } from "../../helpers/services.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;
const ALL = migrationNames();
const service = await postgres();

/** The production profile as an operator runs it: MIGRATE_ON_START is off by default. */
function productionEnv(databaseUrl: string, dataDir: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    APP_ENV: "production",
    ...PRODUCTION_WEBAUTHN,
    PORT: "0",
    LOG_FORMAT: "json",
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    JWT_PRIVATE_KEY: testProductionSigningKey(),
    ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    CORS_ORIGINS: "https://app.example.com",
    TRUSTED_HOSTS: "127.0.0.1,localhost",
    // Production is ready only with mail that reaches users (mail-settings-readiness.test.ts).
    SMTP_URL: "smtp://relay.invalid:587",
    PUBLIC_APP_URL: "https://app.example.com",
  };
}

function rampart(args: readonly string[], env: Record<string, string>) {
  return spawnSync(process.execPath, ["src/cli/main.ts", ...args], {
    cwd: ROOT,
    env,
    encoding: "utf8",
    timeout: 30_000,
  });
}

function startRefused(env: Record<string, string>) {
  return spawnSync(process.execPath, ["src/main.ts"], { cwd: ROOT, env, encoding: "utf8", timeout: 30_000 });
}

async function readiness(server: ServerProcess) {
  const response = await fetch(`${server.url}/health/ready`);
  const body = (await response.json()) as {
    status: string;
    checks: Record<string, { status: string; error?: string }>;
  };
  return { status: response.status, body };
}

function assertRefusedNamingPending(result: ReturnType<typeof startRefused>, pending: readonly string[]): void {
  assert.equal(result.status, 78, result.stderr);
  const lines = result.stderr.split("\n").filter(Boolean);
  assert.equal(lines.length, 1, `one line, no stack: ${result.stderr}`);
  assert.match(
    lines[0] ?? "",
    /^Invalid configuration: the database schema is behind this release: \d+ migrations? pending/,
  );
  for (const name of pending) assert.ok(lines[0]?.includes(name), `names ${name}`);
  assert.match(lines[0] ?? "", /rampart migrate up/);
  assert.doesNotMatch(result.stdout, /"stack"|\n\s+at /);
}

describe("a schema behind the code", () => {
  const dirs: string[] = [];
  const dir = () => {
    const made = mkdtempSync(join(tmpdir(), "rampart-schema-"));
    dirs.push(made);
    return made;
  };
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("production refuses to start on an unmigrated SQLite database, naming every pending migration (exit 78)", () => {
    const data = dir();
    assertRefusedNamingPending(startRefused(productionEnv(`sqlite:${join(data, "rampart.db")}`, data)), ALL);
  });

  it("starts once `rampart migrate up` has run, and SERVE_PENDING_MIGRATIONS serves an older schema as degraded", async () => {
    const data = dir();
    const env = productionEnv(`sqlite:${join(data, "rampart.db")}`, data);
    assert.equal(rampart(["migrate", "up"], env).status, 0);
    assert.equal(rampart(["migrate", "down", "--force"], env).status, 0);
    const latest = ALL.at(-1) as string;
    assertRefusedNamingPending(startRefused(env), [latest]);

    const server = await startServerProcess({ ...env, SERVE_PENDING_MIGRATIONS: "true" }, 60_000);
    try {
      const ready = await readiness(server);
      assert.equal(ready.status, 200);
      assert.equal(ready.body.checks.schema?.status, "degraded");
      assert.match(ready.body.checks.schema?.error ?? "", new RegExp(`1 migration pending \\(${latest}\\)`));
      assert.ok(server.lines.some((l) => l.msg === "serving with migrations pending (SERVE_PENDING_MIGRATIONS)"));
    } finally {
      server.child.kill("SIGTERM");
      await server.exited();
    }
  });

  it("readiness answers 503 while the schema is behind, the doctor fails on it, and both recover after migrate up", async () => {
    const data = dir();
    const env = productionEnv(`sqlite:${join(data, "rampart.db")}`, data);
    assert.equal(rampart(["migrate", "up"], env).status, 0);
    const server = await startServerProcess(env, 60_000);
    try {
      let ready = await readiness(server);
      assert.equal(ready.status, 200);
      assert.equal(ready.body.checks.schema?.status, "ok");

      // A restore of an older backup, or a migration reverted under a running instance.
      assert.equal(rampart(["migrate", "down", "--force"], env).status, 0);
      ready = await readiness(server);
      assert.equal(ready.status, 503);
      assert.equal(ready.body.status, "not_ready");
      assert.equal(ready.body.checks.schema?.status, "failed");
      assert.match(ready.body.checks.schema?.error ?? "", /1 migration pending .*: run rampart migrate up/);
      const behind = await doctorJson(["--url", server.url, "--production"]);
      assert.equal(behind.status.readiness, "fail");
      assert.equal(behind.code, 1);
      const evidence = behind.report.checks.find((c) => c.id === "readiness")?.evidence ?? "";
      assert.match(evidence, /GET \/health\/ready → 503 not_ready; failed: schema/);

      assert.equal(rampart(["migrate", "up"], env).status, 0);
      assert.equal((await readiness(server)).status, 200);
      const healed = await doctorJson(["--url", server.url, "--production"]);
      assert.equal(healed.status.readiness, "pass");
    } finally {
      server.child.kill("SIGTERM");
      await server.exited();
    }
  });

  describe("on PostgreSQL", { skip: service.skip }, () => {
    let schema: Awaited<ReturnType<typeof createPostgresSchema>>;
    before(async () => {
      schema = await createPostgresSchema();
    });
    after(() => schema?.dropSchema());

    it("production refuses to start on a fresh PostgreSQL database (exit 78), and starts ready once migrated", async () => {
      const data = dir();
      const env = productionEnv(schema.url, data);
      assertRefusedNamingPending(startRefused(env), ALL);
      const client = new pg.Client({ connectionString: schema.url });
      await client.connect();
      const tables = await client.query(
        "select count(*)::int as n from information_schema.tables where table_name = 'users' and table_schema = current_schema()",
      );
      await client.end();
      assert.equal(tables.rows[0].n, 0, "a refused start migrates nothing");
      assert.equal(rampart(["migrate", "up"], env).status, 0);
      const server = await startServerProcess(env, 60_000);
      try {
        assert.equal((await readiness(server)).status, 200);
      } finally {
        server.child.kill("SIGTERM");
        await server.exited();
      }
    });
  });
});
