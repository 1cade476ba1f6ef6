import { randomBytes } from "node:crypto";
import pg from "pg";
import { loadConfig } from "../../src/config/load.ts";
import { type DatabaseHandle, openDatabase } from "../../src/platform/db/connect.ts";
import { loadMigrations, migrateUp } from "../../src/platform/db/migrator.ts";
import { createLogger } from "../../src/platform/logging/logger.ts";
import { postgres, TEST_DATABASE_URL } from "./services.ts";

export interface TestDatabase {
  readonly handle: DatabaseHandle;
  /** The DATABASE_URL that reaches this database (a PostgreSQL schema via search_path). */
  readonly url: string;
  /** Closes the handle and drops the schema. */
  drop(): Promise<void>;
}

export interface EngineUnderTest {
  readonly engine: "sqlite" | "postgres";
  /** `false` when usable, else the reason (for `describe(name, { skip })`). */
  readonly skip: false | string;
  /** A fresh, isolated, migrated database. */
  create(options?: { migrate?: boolean; env?: Record<string, string> }): Promise<TestDatabase>;
}

const silent = createLogger({ LOG_LEVEL: "silent", LOG_FORMAT: "json" });

async function open(url: string, env: Record<string, string>, migrate: boolean): Promise<DatabaseHandle> {
  const handle = openDatabase(loadConfig({ APP_ENV: "test", DATABASE_URL: url, ...env }), silent);
  if (migrate) await migrateUp(handle, await loadMigrations());
  return handle;
}

/** A PostgreSQL URL whose connections use `schema` (created empty) as their search path. */
export async function createPostgresSchema(): Promise<{ schema: string; url: string; dropSchema(): Promise<void> }> {
  const schema = `t_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set("options", `-c search_path=${schema}`);
  return {
    schema,
    url: url.toString(),
    async dropSchema() {
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    },
  };
}

/**
 * The engines every repository and API test runs on: SQLite always (in memory), PostgreSQL
 * when reachable (a fresh schema per database, dropped afterwards) — mandatory under
 * REQUIRE_SERVICES=1. Modelled on Kysely's own DIALECTS loop.
 */
export async function enginesUnderTest(): Promise<EngineUnderTest[]> {
  const pgService = await postgres();
  return [
    {
      engine: "sqlite",
      skip: false,
      async create({ migrate = true, env = {} } = {}) {
        const url = "sqlite::memory:";
        const handle = await open(url, env, migrate);
        return { handle, url, drop: () => handle.close() };
      },
    },
    {
      engine: "postgres",
      skip: pgService.skip,
      async create({ migrate = true, env = {} } = {}) {
        const { url, dropSchema } = await createPostgresSchema();
        const handle = await open(url, env, migrate);
        return {
          handle,
          url,
          async drop() {
            await handle.close();
            await dropSchema();
          },
        };
      },
    },
  ];
}
