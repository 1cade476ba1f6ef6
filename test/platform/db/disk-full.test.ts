import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { sql } from "kysely";
import { loadConfig } from "../../../src/config/load.ts";
import { openDatabase } from "../../../src/platform/db/connect.ts";
import { loadMigrations, migrateUp } from "../../../src/platform/db/migrator.ts";
import { createLogger } from "../../../src/platform/logging/logger.ts";
import { enginesUnderTest } from "../../helpers/database.ts";
import { type IdentityHarness, identityHarness } from "../../helpers/identity.ts";
import { newUser, type SignedIn } from "../../helpers/tenancy.ts";
import { freePort } from "../../scale/instances.ts";

const [sqlite] = (await enginesUnderTest()).filter((e) => e.engine === "sqlite");

let slugs = 0;
async function createCompany(h: IdentityHarness, owner: SignedIn) {
  return h.app.inject({
    method: "POST",
    url: "/api/v1/companies",
    headers: owner.headers,
    payload: { name: "Disk", slug: `disk-${++slugs}-${Date.now()}` },
  });
}

/** Appends small events to a stream of its own until SQLite refuses for space (SQLITE_FULL). */
async function fillUntilFull(db: IdentityHarness["database"]["handle"]["db"]): Promise<number> {
  for (let n = 1; n < 200_000; n++) {
    try {
      await sql`insert into audit_events (id, stream, seq, occurred_at, actor_type, action, metadata, prev_hash, hash)
        values (${`filler-${n}`}, 'filler', ${n}, '2026-01-01T00:00:00.000Z', 'system', 'f', '{}', 'x', 'x')`.execute(
        db,
      );
    } catch (error) {
      assert.match((error as Error).message, /full/i);
      return n;
    }
  }
  throw new Error("the database never filled up");
}

/**
 * The app on a database whose disk (a tmpfs) the test fills: a filler file takes what is
 * left, companies are created until one is refused, then the filler goes. Each step is what
 * an operator would see: the problem, the log line, readiness, and writes working again.
 */
async function fillThenFree(engine: "sqlite" | "postgres", url: string, filler: string): Promise<IdentityHarness> {
  const silent = createLogger({ LOG_LEVEL: "silent", LOG_FORMAT: "json" });
  const handle = openDatabase(loadConfig({ APP_ENV: "test", DATABASE_URL: url }), silent);
  await migrateUp(handle, await loadMigrations());
  const h = await identityHarness({
    engine,
    skip: false,
    async create() {
      return { handle, url, drop: () => handle.close() };
    },
  });
  const owner = await newUser(h, `${engine}-full`);
  try {
    writeFileSync(filler, Buffer.alloc(8 * 1024 * 1024));
  } catch {
    // ENOSPC: the filler took everything there was.
  }
  let res = await createCompany(h, owner);
  for (let i = 0; i < 200 && res.statusCode === 201; i++) res = await createCompany(h, owner);
  assert.equal(res.statusCode, 503, res.body);
  assert.equal(res.json().code, "database.disk_full");
  assert.ok(
    h.logs.lines().some((l) => /disk full/.test(l.msg)),
    "a log line says so",
  );
  assert.equal((await h.app.inject({ url: "/health/ready" })).statusCode, 503);

  rmSync(filler);
  const ready = await h.app.inject({ url: "/health/ready" });
  assert.equal(ready.statusCode, 200, ready.body);
  assert.equal((await createCompany(h, owner)).statusCode, 201);
  return h;
}

describe("a full database disk (SQLite page limit)", () => {
  let h: IdentityHarness;
  let owner: SignedIn;
  before(async () => {
    h = await identityHarness(sqlite as NonNullable<typeof sqlite>);
    owner = await newUser(h, "disk");
    assert.equal((await createCompany(h, owner)).statusCode, 201);
  });
  after(() => h.close());

  it("answers 503 database.disk_full (not a 500), logs 'disk full' once, and is not ready until a write succeeds again", async () => {
    const db = h.database.handle.db;
    const pages = (await sql<{ n: number }>`select page_count as n from pragma_page_count()`.execute(db)).rows[0]?.n;
    await sql.raw(`PRAGMA max_page_count = ${Number(pages) + 2}`).execute(db);
    await fillUntilFull(db);
    const companiesBefore = (await db.selectFrom("companies").select("id").execute()).length;

    const refused = await createCompany(h, owner);
    assert.equal(refused.statusCode, 503, refused.body);
    assert.match(String(refused.headers["content-type"]), /^application\/problem\+json/);
    assert.equal(refused.json().code, "database.disk_full");
    assert.equal(refused.headers["retry-after"], "60");
    assert.equal((await createCompany(h, owner)).statusCode, 503);
    assert.equal((await db.selectFrom("companies").select("id").execute()).length, companiesBefore, "nothing stored");
    const said = h.logs.lines().filter((l) => /disk full/.test(l.msg));
    assert.equal(said.length, 1, "one line when it fills, not one per request");
    assert.equal(said[0]?.level, "error");
    assert.ok(!h.logs.text().includes("cannot rollback"), "the real error, not the failed rollback");

    const notReady = await h.app.inject({ url: "/health/ready" });
    assert.equal(notReady.statusCode, 503);
    assert.equal(notReady.json().checks.database_disk.status, "failed");
    assert.match(notReady.json().checks.database_disk.error, /^disk full since .*: writes fail$/);
    assert.equal((await h.app.inject({ url: "/health/ready" })).statusCode, 503, "still, while nothing can be written");

    await sql`PRAGMA max_page_count = 1073741823`.execute(db);
    const ready = await h.app.inject({ url: "/health/ready" });
    assert.equal(ready.statusCode, 200, ready.body);
    assert.ok(h.logs.lines().some((l) => l.msg === "database disk writable again: a write succeeded"));
    assert.equal((await createCompany(h, owner)).statusCode, 201);
  });
});

function canMountTmpfs(): false | string {
  if (process.getuid?.() !== 0) return "needs root to mount a tmpfs";
  const probe = mkdtempSync(join(tmpdir(), "rampart-tmpfs-probe-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe], { stdio: "ignore" });
    execFileSync("umount", [probe], { stdio: "ignore" });
    return false;
  } catch {
    return "mount -t tmpfs is not permitted here";
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

describe("a full disk under the SQLite file (a 4 MiB tmpfs)", { skip: canMountTmpfs() }, () => {
  let mountPoint: string;
  let h: IdentityHarness;
  before(() => {
    mountPoint = mkdtempSync(join(tmpdir(), "rampart-tmpfs-"));
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", mountPoint]);
  });
  after(async () => {
    await h?.close();
    execFileSync("umount", ["-l", mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  it("a write that hits ENOSPC is a 503 database.disk_full, and freeing space makes the instance ready again", async () => {
    h = await fillThenFree("sqlite", `sqlite:${join(mountPoint, "rampart.db")}`, join(mountPoint, "filler"));
  });
});

const PG_BIN = "/usr/lib/postgresql/15/bin";

function privatePostgresSkip(): false | string {
  const mount = canMountTmpfs();
  if (mount) return mount;
  try {
    execFileSync(`${PG_BIN}/initdb`, ["--version"], { stdio: "ignore" });
    execFileSync("id", ["postgres"], { stdio: "ignore" });
    return false;
  } catch {
    return "no PostgreSQL 15 binaries or postgres user for a private instance";
  }
}

const asPostgres = (args: string[]) => execFileSync("runuser", ["-u", "postgres", "--", ...args], { stdio: "pipe" });

/**
 * Its own PostgreSQL (never the shared one), whose tables live in a tablespace on a 2 MiB
 * tmpfs: filling it makes PostgreSQL fail writes with 53100 ("could not extend file … No
 * space left on device") while the server itself, its WAL elsewhere, keeps running.
 */
describe(
  "a full disk under PostgreSQL's tablespace (private instance, 2 MiB tmpfs)",
  { skip: privatePostgresSkip() },
  () => {
    let root: string;
    let small: string;
    let port: number;
    let h: IdentityHarness;
    before(async () => {
      root = mkdtempSync(join(tmpdir(), "rampart-pg-full-"));
      small = join(root, "small");
      execFileSync("mkdir", ["-p", small]);
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", small]);
      execFileSync("chown", ["-R", "postgres", root]);
      port = await freePort();
      asPostgres([`${PG_BIN}/initdb`, "-D", join(root, "data"), "-A", "trust", "-U", "postgres", "--no-sync"]);
      asPostgres([
        `${PG_BIN}/pg_ctl`,
        "-D",
        join(root, "data"),
        "-o",
        `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off`,
        "-w",
        "-l",
        join(root, "log"),
        "start",
      ]);
      asPostgres(["psql", "-h", "127.0.0.1", "-p", String(port), "-c", `create tablespace small location '${small}'`]);
    });
    after(async () => {
      await h?.close();
      try {
        asPostgres([`${PG_BIN}/pg_ctl`, "-D", join(root, "data"), "-m", "immediate", "stop"]);
      } finally {
        execFileSync("umount", ["-l", small]);
        rmSync(root, { recursive: true, force: true });
      }
    });

    it("PostgreSQL's 53100 disk_full is a 503 database.disk_full, and freeing space makes the instance ready again", async () => {
      const options = encodeURIComponent("-c default_tablespace=small");
      h = await fillThenFree(
        "postgres",
        `postgres://postgres@127.0.0.1:${port}/postgres?options=${options}`,
        join(small, "filler"),
      );
    });
  },
);
