import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { sql } from "kysely";
import { loadConfig } from "../../../src/config/load.ts";
import { type DatabaseHandle, openDatabase } from "../../../src/platform/db/connect.ts";
import { isDatabaseUnavailable, translateDatabaseError } from "../../../src/platform/db/errors.ts";
import { CONFLICT_ATTEMPTS, inLockedTransaction } from "../../../src/platform/db/locked-transaction.ts";
import { createLogger } from "../../../src/platform/logging/logger.ts";
import { enginesUnderTest, type TestDatabase } from "../../helpers/database.ts";

const postgres = (await enginesUnderTest()).find((engine) => engine.engine === "postgres");

describe("deadlocks and serialization failures (postgres)", { skip: postgres?.skip ?? "no postgres" }, () => {
  let t: TestDatabase;
  before(async () => {
    t = await (postgres as NonNullable<typeof postgres>).create({ migrate: false });
    await sql`create table pair (id int primary key, n int not null)`.execute(t.handle.db);
    await sql`insert into pair values (1, 0), (2, 0)`.execute(t.handle.db);
  });
  after(() => t?.drop());

  it("two transactions locking rows in opposite orders: the deadlock victim is re-run and both commit", async () => {
    let attempts = 0;
    let arrived = 0;
    let release: () => void = () => {};
    const bothHoldTheirFirstRow = new Promise<void>((resolve) => {
      release = resolve;
    });
    const bump = (first: number, second: number) =>
      inLockedTransaction(t.handle.db, async (trx) => {
        attempts += 1;
        await sql`update pair set n = n + 1 where id = ${first}`.execute(trx);
        // The first attempts wait for each other so each holds one row the other wants.
        if (++arrived === 2) release();
        await bothHoldTheirFirstRow;
        await sql`update pair set n = n + 1 where id = ${second}`.execute(trx);
      });
    await Promise.all([bump(1, 2), bump(2, 1)]);
    assert.equal(attempts, 3, "PostgreSQL aborted one of the two, which ran again");
    const rows = await sql<{ n: number }>`select n from pair order by id`.execute(t.handle.db);
    assert.deepEqual(
      rows.rows.map((row) => row.n),
      [2, 2],
      "each transaction's work counted once",
    );
  });

  it("a conflict that outlasts the retries is a 503 database.contention, never a 500", async () => {
    let attempts = 0;
    const failing = inLockedTransaction(t.handle.db, async (trx) => {
      attempts += 1;
      await sql`do $$ begin raise exception using errcode = '40001', message = 'could not serialize'; end $$`.execute(
        trx,
      );
    });
    await assert.rejects(failing, (error: { status?: number; code?: string }) => {
      assert.equal(error.status, 503);
      assert.equal(error.code, "database.contention");
      return true;
    });
    assert.equal(attempts, CONFLICT_ATTEMPTS);
  });

  it("a deadlock that escapes a use case is mapped to the same 503", async () => {
    const error = await sql`do $$ begin raise exception using errcode = '40P01', message = 'deadlock detected'; end $$`
      .execute(t.handle.db)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.equal(translateDatabaseError(error)?.status, 503);
    assert.equal(translateDatabaseError(error)?.code, "database.contention");
  });
});

describe("SQLite transactions begin IMMEDIATE", () => {
  let dir: string;
  let first: DatabaseHandle;
  let second: DatabaseHandle;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "rampart-immediate-"));
    const silent = createLogger({ LOG_LEVEL: "silent", LOG_FORMAT: "json" });
    const config = loadConfig({
      APP_ENV: "test",
      DATABASE_URL: `sqlite:${join(dir, "db.sqlite")}`,
      SQLITE_BUSY_TIMEOUT_MS: "50",
    });
    // Two connections to one file, as two worker processes would have.
    first = openDatabase(config, silent);
    second = openDatabase(config, silent);
    await sql`create table t (n int)`.execute(first.db);
  });
  after(async () => {
    await first?.close();
    await second?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a transaction that has only read holds the write lock: another writer waits, then gets a 503-class error", async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let reading: () => void = () => {};
    const hasRead = new Promise<void>((resolve) => {
      reading = resolve;
    });
    const transaction = inLockedTransaction(first.db, async (trx) => {
      await sql`select count(*) from t`.execute(trx);
      reading();
      await held;
    });
    await hasRead;
    // A deferred BEGIN would hold no lock after a read, and this insert would succeed.
    const write = await sql`insert into t values (1)`.execute(second.db).then(
      () => undefined,
      (e: unknown) => e,
    );
    release();
    await transaction;
    assert.ok(isDatabaseUnavailable(write), `SQLITE_BUSY expected, got ${String(write)}`);
    await sql`insert into t values (2)`.execute(second.db);
  });
});
