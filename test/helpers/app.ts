import { Registry } from "prom-client";
import { type App, buildApp } from "../../src/app.ts";
import type { Env } from "../../src/config/load.ts";
import { loadConfig } from "../../src/config/load.ts";
import type { Config } from "../../src/config/settings/index.ts";
import { cacheOptionsFrom, createCache } from "../../src/platform/cache/cache.ts";
import { systemClock } from "../../src/platform/clock.ts";
import { openDatabase } from "../../src/platform/db/connect.ts";
import { loadMigrations, migrateUp } from "../../src/platform/db/migrator.ts";
import type { Deps } from "../../src/platform/deps.ts";
import { createLogger } from "../../src/platform/logging/logger.ts";
import { withContractValidation } from "./contract.ts";
import { LogCapture } from "./log-capture.ts";

/** A validated test configuration: JSON logs at info, overridable per test. */
export function testConfig(env: Env = {}): Config {
  return loadConfig({ APP_ENV: "test", LOG_FORMAT: "json", LOG_LEVEL: "info", ...env });
}

export interface TestApp {
  readonly app: App;
  readonly config: Config;
  readonly logs: LogCapture;
}

/** Builds the real app with a log capture; extra deps (e.g. readiness checks) may be overridden. */
export async function buildTestApp(env: Env = {}, overrides: Partial<Deps> = {}): Promise<TestApp> {
  const config = testConfig(env);
  const logs = new LogCapture();
  const logger = overrides.logger ?? createLogger(config, logs);
  // An in-memory SQLite database unless the test hands in another (e.g. a PostgreSQL schema).
  let database = overrides.database;
  if (!database) {
    database = openDatabase({ ...config, DATABASE_URL: "sqlite::memory:" }, logger);
    await migrateUp(database, await loadMigrations());
  }
  const owned = overrides.database === undefined ? database : undefined;
  const metrics = overrides.metrics ?? new Registry();
  const deps: Deps = {
    logger,
    clock: systemClock,
    database,
    readinessChecks: [],
    metrics,
    redis: undefined,
    // In-process only by default; a test that wants Redis passes its own cache.
    cache: overrides.cache ?? (await createCache(cacheOptionsFrom(config), { redis: undefined, logger, metrics })),
    ...overrides,
  };
  // Every response a test produces is checked against the OpenAPI contract (contract.ts).
  const app = await withContractValidation(() => buildApp(config, deps));
  if (owned) app.addHook("onClose", () => owned.close());
  return { app, config, logs };
}
