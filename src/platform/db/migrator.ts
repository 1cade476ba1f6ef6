import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Kysely, Transaction } from "kysely";
import { lazyModule } from "../lazy-module.ts";
import type { Logger } from "../logging/logger.ts";
import type { DatabaseHandle } from "./connect.ts";
import type { ColumnTypes } from "./dialect.ts";
import { sql } from "./kysely.ts";
import type { Database } from "./schema.ts";

export const MIGRATIONS_DIR = new URL("../../../migrations/", import.meta.url).pathname;
const MIGRATION_FILE = /^(\d{4})_([a-z0-9_]+)\.ts$/;
// Any constant works; it only has to be the same for every instance.
const MIGRATION_LOCK_KEY = 727_001;

/** A migration file's module: written once for both engines, using `types` for the few differences. */
export interface MigrationModule {
  up(db: Kysely<unknown>, types: ColumnTypes): Promise<void>;
  down?(db: Kysely<unknown>, types: ColumnTypes): Promise<void>;
}

export interface Migration extends MigrationModule {
  readonly name: string;
  readonly checksum: string;
}

export type MigrationState = "applied" | "pending" | "changed" | "missing";

export interface MigrationStatus {
  readonly name: string;
  readonly state: MigrationState;
  readonly appliedAt?: string;
}

/** The applied history no longer matches the files: refusing to run is safer than guessing. */
export class MigrationIntegrityError extends Error {
  override name = "MigrationIntegrityError";
}

/** The database is behind the code: migrations this release ships are not applied yet. */
export class PendingMigrationsError extends Error {
  override name = "PendingMigrationsError";
  readonly pending: readonly string[];
  constructor(pending: readonly string[]) {
    super(
      `the database schema is behind this release: ${pending.length} migration${pending.length === 1 ? "" : "s"} pending (${pending.join(", ")}); run \`rampart migrate up\` first (or set MIGRATE_ON_START=true), or set SERVE_PENDING_MIGRATIONS=true if this release is known to work on the older schema`,
    );
    this.pending = pending;
  }
}

function migrationFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => MIGRATION_FILE.test(f))
    .sort();
}

/** The names of the migrations this release ships, in order, without loading them. */
export function migrationNames(dir: string = MIGRATIONS_DIR): string[] {
  return migrationFiles(dir).map((f) => f.replace(/\.ts$/, ""));
}

export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const migrations: Migration[] = [];
  for (const file of migrationFiles(dir)) {
    const path = join(dir, file);
    const name = file.replace(/\.ts$/, "");
    const checksum = createHash("sha256").update(readFileSync(path)).digest("hex");
    // A file's module is imported only when it is applied or reverted: a start with every
    // migration applied needs names and checksums only, and importing them all cost every
    // start ~10 ms (issue #21's start to ready).
    const module = lazyModule(async () => {
      const loaded = (await import(pathToFileURL(path).href)) as MigrationModule;
      if (typeof loaded.up !== "function") throw new Error(`migration ${file} does not export up()`);
      return loaded;
    });
    migrations.push({
      name,
      checksum,
      up: async (db, types) => (await module()).up(db, types),
      async down(db, types) {
        const { down } = await module();
        if (!down) throw new MigrationIntegrityError(`migration ${name} cannot be reverted (no down())`);
        await down(db, types);
      },
    });
  }
  return migrations;
}

async function ensureHistoryTable(db: Kysely<Database> | Transaction<Database>, types: ColumnTypes): Promise<void> {
  await db.schema
    .createTable("rampart_migrations")
    .ifNotExists()
    .addColumn("id", "integer", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull().unique())
    .addColumn("checksum", "text", (c) => c.notNull())
    .addColumn("applied_at", types.timestamp, (c) => c.notNull())
    .execute();
}

async function appliedHistory(db: Kysely<Database> | Transaction<Database>) {
  return db.selectFrom("rampart_migrations").select(["id", "name", "checksum", "applied_at"]).orderBy("id").execute();
}

function compare(migrations: readonly Migration[], applied: { name: string; checksum: string; applied_at: string }[]) {
  const byName = new Map(migrations.map((m) => [m.name, m]));
  const statuses: MigrationStatus[] = [];
  for (const row of applied) {
    const file = byName.get(row.name);
    const state: MigrationState = !file ? "missing" : file.checksum !== row.checksum ? "changed" : "applied";
    statuses.push({ name: row.name, state, appliedAt: row.applied_at });
  }
  const appliedNames = new Set(applied.map((r) => r.name));
  for (const m of migrations) if (!appliedNames.has(m.name)) statuses.push({ name: m.name, state: "pending" });
  return statuses;
}

function assertIntegrity(statuses: readonly MigrationStatus[]): void {
  const broken = statuses.filter((s) => s.state === "changed" || s.state === "missing");
  if (broken.length > 0) {
    const list = broken.map(
      (s) => `${s.name} (${s.state === "changed" ? "file changed after it was applied" : "file missing"})`,
    );
    throw new MigrationIntegrityError(`applied migrations do not match the migrations directory: ${list.join(", ")}`);
  }
  const lastApplied = statuses.findLastIndex((s) => s.state === "applied");
  const firstPending = statuses.findIndex((s) => s.state === "pending");
  if (firstPending !== -1 && firstPending < lastApplied) {
    throw new MigrationIntegrityError(
      `migration ${statuses[firstPending]?.name} is older than applied ones; rename it`,
    );
  }
}

export async function migrationStatus(
  handle: DatabaseHandle,
  migrations: readonly Migration[],
): Promise<MigrationStatus[]> {
  await ensureHistoryTable(handle.db, handle.types);
  const statuses = compare(migrations, await appliedHistory(handle.db));
  const order = new Map(migrations.map((m, i) => [m.name, i]));
  return statuses.sort((a, b) => (order.get(a.name) ?? -1) - (order.get(b.name) ?? -1));
}

/**
 * Throws MigrationIntegrityError naming any applied migration whose file changed or vanished;
 * returns the names of the pending ones.
 */
export async function verifyMigrations(handle: DatabaseHandle, migrations: readonly Migration[]): Promise<string[]> {
  const statuses = await migrationStatus(handle, migrations);
  assertIntegrity(statuses);
  return statuses.filter((s) => s.state === "pending").map((s) => s.name);
}

/**
 * The names among `expected` that the database has not applied, read without writing
 * (no history table is created): a database never migrated has them all pending.
 */
export async function pendingMigrationNames(handle: DatabaseHandle, expected: readonly string[]): Promise<string[]> {
  let applied: Set<string>;
  try {
    const rows = await handle.db.selectFrom("rampart_migrations").select("name").execute();
    applied = new Set(rows.map((r) => r.name));
  } catch (error) {
    // Only "no history table" means never migrated; an unreachable database is the database check's to report.
    if (!/rampart_migrations/.test(String((error as Error).message))) throw error;
    applied = new Set();
  }
  return expected.filter((name) => !applied.has(name));
}

/**
 * Runs under one lock in one transaction (PostgreSQL and SQLite both have transactional
 * DDL): two instances starting together serialise on the advisory lock, the second finds
 * nothing pending; a failing migration leaves the schema as it was.
 */
async function underMigrationLock<T>(
  handle: DatabaseHandle,
  work: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  return handle.db.transaction().execute(async (trx) => {
    if (handle.engine === "postgres") await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`.execute(trx);
    await ensureHistoryTable(trx, handle.types);
    return work(trx);
  });
}

export async function migrateUp(
  handle: DatabaseHandle,
  migrations: readonly Migration[],
  logger?: Logger,
): Promise<string[]> {
  return underMigrationLock(handle, async (trx) => {
    const statuses = compare(migrations, await appliedHistory(trx));
    assertIntegrity(statuses);
    const pending = migrations.filter((m) => statuses.some((s) => s.name === m.name && s.state === "pending"));
    let nextId = statuses.filter((s) => s.state === "applied").length + 1;
    for (const migration of pending) {
      await migration.up(trx as unknown as Kysely<unknown>, handle.types);
      await trx
        .insertInto("rampart_migrations")
        .values({
          id: nextId++,
          name: migration.name,
          checksum: migration.checksum,
          applied_at: new Date().toISOString(),
        })
        .execute();
      logger?.info({ migration: migration.name }, "migration applied");
    }
    return pending.map((m) => m.name);
  });
}

/** Reverts the most recent `steps` migrations. */
export async function migrateDown(
  handle: DatabaseHandle,
  migrations: readonly Migration[],
  steps = 1,
  logger?: Logger,
): Promise<string[]> {
  return underMigrationLock(handle, async (trx) => {
    const applied = await appliedHistory(trx);
    assertIntegrity(compare(migrations, applied));
    const reverted: string[] = [];
    for (const row of applied.reverse().slice(0, steps)) {
      const migration = migrations.find((m) => m.name === row.name);
      if (!migration?.down) throw new MigrationIntegrityError(`migration ${row.name} cannot be reverted (no down())`);
      await migration.down(trx as unknown as Kysely<unknown>, handle.types);
      await trx.deleteFrom("rampart_migrations").where("id", "=", row.id).execute();
      logger?.info({ migration: row.name }, "migration reverted");
      reverted.push(row.name);
    }
    return reverted;
  });
}
