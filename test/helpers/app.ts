import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import { type App, buildApp } from "../../src/app.ts";
import type { Env } from "../../src/config/load.ts";
import { loadConfig } from "../../src/config/load.ts";
import type { Config } from "../../src/config/settings/index.ts";
import { loadSigningKeys } from "../../src/platform/auth/signing-keys.ts";
import { systemClock } from "../../src/platform/clock.ts";
import { openDatabase } from "../../src/platform/db/connect.ts";
import { loadMigrations, migrateUp } from "../../src/platform/db/migrator.ts";
import type { Deps } from "../../src/platform/deps.ts";
import { createLogger } from "../../src/platform/logging/logger.ts";
import { LogCapture } from "./log-capture.ts";

/** A validated test configuration: JSON logs at info, overridable per test. */
export function testConfig(env: Env = {}): Config {
  return loadConfig({ APP_ENV: "test", LOG_FORMAT: "json", LOG_LEVEL: "info", ...env });
}

let sharedKeysDataDir: string | undefined;

/**
 * A DATA_DIR holding only signing keys, shared by every app of one test process: the key
 * is generated once per test file instead of once per app, and never under ./data.
 */
export function testKeysDataDir(): string {
  if (!sharedKeysDataDir) {
    const dir = mkdtempSync(join(tmpdir(), "rampart-keys-"));
    sharedKeysDataDir = dir;
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  }
  return sharedKeysDataDir;
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
  const logger = createLogger(config, logs);
  // An in-memory SQLite database unless the test hands in another (e.g. a PostgreSQL schema).
  let database = overrides.database;
  if (!database) {
    database = openDatabase({ ...config, DATABASE_URL: "sqlite::memory:" }, logger);
    await migrateUp(database, await loadMigrations());
  }
  const owned = overrides.database === undefined ? database : undefined;
  const signingKeys =
    overrides.signingKeys ??
    (await loadSigningKeys(
      env.DATA_DIR ? config : { ...config, DATA_DIR: testKeysDataDir() },
      logger,
      overrides.clock ?? systemClock,
    ));
  const deps: Deps = {
    logger,
    clock: systemClock,
    database,
    readinessChecks: [],
    metrics: new Registry(),
    redis: undefined,
    signingKeys,
    ...overrides,
  };
  const app = await buildApp(config, deps);
  if (owned) app.addHook("onClose", () => owned.close());
  if (!overrides.signingKeys) app.addHook("onClose", async () => signingKeys.close());
  return { app, config, logs };
}
