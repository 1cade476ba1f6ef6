import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type pg from "pg";
import type { Config } from "../../config/settings/index.ts";
import type { ReadinessCheck } from "../health/readiness.ts";
import type { Logger } from "../logging/logger.ts";
import { type ColumnTypes, columnTypes, type Engine } from "./dialect.ts";
import { type ConnectionHealthStats, trackConnectionHealth } from "./incidents.ts";
import { Kysely, PostgresDialect, sql } from "./kysely.ts";
import type { Database } from "./schema.ts";
import { openSqlite } from "./sqlite-adapter.ts";
import { ImmediateSqliteDialect } from "./sqlite-immediate.ts";

export type DatabaseLocation = { engine: "sqlite"; path: string } | { engine: "postgres"; url: string };

export interface PoolStats {
  readonly total: number;
  readonly idle: number;
  readonly waiting: number;
  readonly max: number;
}

export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly engine: Engine;
  readonly types: ColumnTypes;
  ping(): Promise<void>;
  /** PostgreSQL pool occupancy; undefined for SQLite (one connection). */
  poolStats(): PoolStats | undefined;
  /** Lost connections and open incidents; undefined for SQLite (a file, never lost). */
  connectionHealth(): ConnectionHealthStats | undefined;
  close(): Promise<void>;
}

type DatabaseConfig = Pick<
  Config,
  | "DATABASE_URL"
  | "DATA_DIR"
  | "DB_POOL_MAX"
  | "DB_POOL_TIMEOUT_MS"
  | "DB_IDLE_TIMEOUT_MS"
  | "DB_MAX_LIFETIME_S"
  | "DB_STATEMENT_TIMEOUT_MS"
  | "SQLITE_BUSY_TIMEOUT_MS"
>;

/** `DATABASE_URL` unset → SQLite under DATA_DIR; `sqlite:<path>`; `postgres(ql)://…`. */
export function resolveDatabaseLocation(config: Pick<Config, "DATABASE_URL" | "DATA_DIR">): DatabaseLocation {
  const url = config.DATABASE_URL;
  if (!url) return { engine: "sqlite", path: join(config.DATA_DIR, "rampart.db") };
  if (url.startsWith("sqlite:")) return { engine: "sqlite", path: url.slice("sqlite:".length) };
  return { engine: "postgres", url };
}

const TIMESTAMP_OIDS = [1114, 1184];

// The driver is loaded by processes that use PostgreSQL, not by every embedded (SQLite) one.
const require = createRequire(import.meta.url);
const loadPg = (): typeof pg => require("pg") as typeof pg;

/**
 * Timestamps come back as ISO-8601 strings on both engines (SQLite stores them as text),
 * so repositories see one representation.
 */
function pgTypes(driver: typeof pg): pg.CustomTypesConfig {
  return {
    getTypeParser: ((oid: number, format?: string) => {
      if (TIMESTAMP_OIDS.includes(oid)) return (value: string) => new Date(value).toISOString();
      return driver.types.getTypeParser(oid, format as "text");
    }) as pg.CustomTypesConfig["getTypeParser"],
  };
}

export function openDatabase(config: DatabaseConfig, logger: Logger): DatabaseHandle {
  const location = resolveDatabaseLocation(config);
  if (location.engine === "sqlite") {
    if (location.path !== ":memory:") mkdirSync(dirname(location.path), { recursive: true });
    const sqlite = openSqlite(location.path, config.SQLITE_BUSY_TIMEOUT_MS);
    const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: sqlite }) });
    return {
      db,
      engine: "sqlite",
      types: columnTypes("sqlite"),
      ping: async () => void (await sql`select 1`.execute(db)),
      poolStats: () => undefined,
      connectionHealth: () => undefined,
      close: () => db.destroy(),
    };
  }
  const driver = loadPg();
  const pool = new driver.Pool({
    connectionString: location.url,
    max: config.DB_POOL_MAX,
    // Bounds both opening a connection and waiting for a free one: a saturated pool answers 503, never hangs.
    connectionTimeoutMillis: config.DB_POOL_TIMEOUT_MS,
    idleTimeoutMillis: config.DB_IDLE_TIMEOUT_MS,
    maxLifetimeSeconds: config.DB_MAX_LIFETIME_S,
    statement_timeout: config.DB_STATEMENT_TIMEOUT_MS || undefined,
    // The client-side bound catches a server that stops answering altogether.
    query_timeout: config.DB_STATEMENT_TIMEOUT_MS ? config.DB_STATEMENT_TIMEOUT_MS + 2000 : undefined,
    application_name: "rampart",
    keepAlive: true,
    types: pgTypes(driver),
  });
  const health = trackConnectionHealth(logger);
  // Every client gets its own error listener for its whole life. pg-pool listens only while
  // a client is idle; a checked-out client (mid-request, mid-transaction) whose server
  // connection dies emits 'error' with no listener — an uncaught exception that took the
  // process down on every database restart. The query in flight (or the next one) rejects
  // with the same error, which answers the request 503; the pool discards the client on
  // release because it is no longer queryable, and opens a new one on demand.
  pool.on("connect", (client) => {
    health.established();
    client.on("error", (error) => health.lost(error));
  });
  // A client handed back still usable has just talked to the server: the database answers.
  pool.on("release", (error: Error | undefined, client: pg.PoolClient) => {
    if (!error && (client as unknown as { _queryable?: boolean })._queryable !== false) health.established();
  });
  // The pool's own 'error' is the idle case; the per-client listener above has counted it already.
  pool.on("error", () => {});
  // Kysely checks connections out through this: a refused connection also opens an incident.
  const observedPool = {
    connect: () =>
      pool.connect().catch((error: unknown) => {
        health.lost(error);
        throw error;
      }),
    end: () => pool.end(),
  } as unknown as pg.Pool;
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: observedPool }) });
  return {
    db,
    engine: "postgres",
    types: columnTypes("postgres"),
    ping: async () => void (await sql`select 1`.execute(db)),
    poolStats: () => ({
      total: pool.totalCount,
      idle: pool.idleCount,
      waiting: pool.waitingCount,
      max: config.DB_POOL_MAX,
    }),
    connectionHealth: health.stats,
    close: () => db.destroy(),
  };
}

export function databaseReadinessCheck(handle: DatabaseHandle): ReadinessCheck {
  return { name: "database", required: true, check: () => handle.ping() };
}
