import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { loadConfig } from "../../../src/config/load.ts";
import { resolveDatabaseLocation } from "../../../src/platform/db/connect.ts";
import { PRODUCTION_WEBAUTHN, TEST_ENCRYPTION_KEY } from "../../helpers/config.ts";
import { createPostgresSchema } from "../../helpers/database.ts";
import { startServerProcess } from "../../helpers/server-process.ts";
import { postgres } from "../../helpers/services.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;
const service = await postgres();

function rampart(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, ["bin/rampart.js", ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env },
    encoding: "utf8",
    timeout: 20_000,
  });
}

describe("DATABASE_URL", () => {
  it("selects the engine: unset → SQLite under DATA_DIR, sqlite:<path>, postgres://", () => {
    assert.deepEqual(resolveDatabaseLocation(loadConfig({ DATA_DIR: "/srv/rampart" })), {
      engine: "sqlite",
      path: "/srv/rampart/rampart.db",
    });
    assert.deepEqual(resolveDatabaseLocation(loadConfig({ DATABASE_URL: "sqlite::memory:" })), {
      engine: "sqlite",
      path: ":memory:",
    });
    assert.deepEqual(resolveDatabaseLocation(loadConfig({ DATABASE_URL: "postgresql://u@h/db" })), {
      engine: "postgres",
      url: "postgresql://u@h/db",
    });
  });

  it("any other form exits 78 naming the accepted forms, without echoing the value", () => {
    const result = spawnSync(process.execPath, ["src/main.ts"], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, DATABASE_URL: "mysql://root:s3cretpw@db/app" },
      encoding: "utf8",
    });
    assert.equal(result.status, 78);
    assert.match(
      result.stderr,
      /DATABASE_URL: must be one of postgres:\/\/…, postgresql:\/\/…, sqlite:<path> or sqlite::memory:/,
    );
    assert.doesNotMatch(result.stderr, /s3cretpw/);
  });
});

describe("migrate CLI on SQLite", () => {
  const env = { DATA_DIR: mkdtempSync(join(tmpdir(), "rampart-cli-")) };

  it("status, up, down round-trip", () => {
    assert.match(rampart(["migrate", "status"], env).stdout, /pending\s+0001_platform_state/);
    assert.match(rampart(["migrate", "up"], env).stdout, /applied 0001_platform_state/);
    assert.match(rampart(["migrate", "status"], env).stdout, /applied\s+0001_platform_state/);
    assert.match(rampart(["migrate", "up"], env).stdout, /nothing to apply/);
    assert.match(rampart(["migrate", "down"], env).stdout, /reverted /);
  });

  it("down refuses in production without --force", () => {
    const result = rampart(["migrate", "down"], {
      ...env,
      APP_ENV: "production",
      JWT_PRIVATE_KEY_FILE: "/k.pem",
      ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      ...PRODUCTION_WEBAUTHN,
    });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /needs --force/);
  });
});

describe("server startup against PostgreSQL", { skip: service.skip }, () => {
  let schema: Awaited<ReturnType<typeof createPostgresSchema>>;
  before(async () => {
    schema = await createPostgresSchema();
  });
  after(() => schema?.dropSchema());

  it("two instances starting at once both come up and migrations run once", async () => {
    // Generous: two processes start at once on a machine that may be loaded.
    const [a, b] = await Promise.all([
      startServerProcess({ DATABASE_URL: schema.url }, 60_000),
      startServerProcess({ DATABASE_URL: schema.url }, 60_000),
    ]);
    const client = new pg.Client({ connectionString: schema.url });
    await client.connect();
    const rows = await client.query("select name from rampart_migrations");
    await client.end();
    assert.equal(rows.rowCount, new Set(rows.rows.map((r) => r.name)).size, "each migration recorded once");
    assert.ok(rows.rows.some((r) => r.name === "0001_platform_state"));
    for (const server of [a, b]) {
      assert.equal((await fetch(`${server.url}/health/ready`)).status, 200);
      server.child.kill("SIGTERM");
      assert.equal(await server.exited(), 0);
    }
  });

  it("refuses to start when an applied migration is missing from the directory, naming it", async () => {
    const client = new pg.Client({ connectionString: schema.url });
    await client.connect();
    await client.query(
      "insert into rampart_migrations (id, name, checksum, applied_at) values (999, '0999_ghost', 'x', now())",
    );
    await client.end();
    await assert.rejects(startServerProcess({ DATABASE_URL: schema.url }), /0999_ghost \(file missing\)/);
  });

  it("refuses to start when the database is unreachable, within DB_CONNECT_TIMEOUT_MS", async () => {
    await assert.rejects(
      startServerProcess({ DATABASE_URL: "postgres://postgres@127.0.0.1:1/test", DB_CONNECT_TIMEOUT_MS: "1000" }),
      /startup failed/,
    );
  });
});
