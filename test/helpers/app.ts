import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import { type App, buildApp } from "../../src/app.ts";
import type { Env } from "../../src/config/load.ts";
import { loadConfig } from "../../src/config/load.ts";
import type { Config } from "../../src/config/settings/index.ts";
import { loadSigningKeys } from "../../src/platform/auth/signing-keys.ts";
import { createCache } from "../../src/platform/cache/cache.ts";
import { cacheOptionsFrom } from "../../src/platform/cache/contract.ts";
import { systemClock } from "../../src/platform/clock.ts";
import { openDatabase } from "../../src/platform/db/connect.ts";
import { loadMigrations, migrateUp } from "../../src/platform/db/migrator.ts";
import type { Deps } from "../../src/platform/deps.ts";
import { createLogger } from "../../src/platform/logging/logger.ts";
import { createMailer } from "../../src/platform/mail/mailer.ts";
import { PRODUCTION_WEBAUTHN, TEST_ENCRYPTION_KEY } from "./config.ts";
import { withContractValidation } from "./contract.ts";
import { LogCapture } from "./log-capture.ts";

let productionSigningKey: string | undefined;

/** Production refuses to start without a signing key; tests of the production profile get a throwaway one. */
export function testProductionSigningKey(): string {
  productionSigningKey ??= generateKeyPairSync("rsa", { modulusLength: 2048 })
    .privateKey.export({ type: "pkcs8", format: "pem" })
    .toString();
  return productionSigningKey;
}

/**
 * A validated test configuration: JSON logs at info, overridable per test. DATA_DIR is a
 * temporary directory of the test process, never the checkout's ./data (whose database a
 * developer's own runs may have migrated with other versions of the migrations).
 */
export function testConfig(env: Env = {}): Config {
  const production = env.APP_ENV === "production";
  const needsKey = production && !env.JWT_PRIVATE_KEY && !env.JWT_PRIVATE_KEY_FILE;
  const needsEncryptionKey = production && !env.ENCRYPTION_KEY;
  return loadConfig({
    APP_ENV: "test",
    LOG_FORMAT: "json",
    LOG_LEVEL: "info",
    DATA_DIR: testKeysDataDir(),
    ...(needsKey ? { JWT_PRIVATE_KEY: testProductionSigningKey() } : {}),
    ...(needsEncryptionKey ? { ENCRYPTION_KEY: TEST_ENCRYPTION_KEY } : {}),
    ...(production ? PRODUCTION_WEBAUTHN : {}),
    ...env,
  });
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
  /** Where the default (outbox) mailer writes each message as an .eml file; removed when the app closes. */
  readonly outboxDir: string;
  /** The dependencies the app was built with (e.g. its cache, for fixtures that change state behind it). */
  readonly deps: Deps;
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
  const signingKeys =
    overrides.signingKeys ??
    (await loadSigningKeys(
      env.DATA_DIR ? config : { ...config, DATA_DIR: testKeysDataDir() },
      logger,
      overrides.clock ?? systemClock,
    ));
  // Mail goes to .eml files in a temporary directory unless the test hands in a mailer.
  const mailDataDir = mkdtempSync(join(tmpdir(), "rampart-mail-"));
  const mailer = overrides.mailer ?? createMailer({ ...config, DATA_DIR: mailDataDir, SMTP_URL: undefined }, logger);
  const deps: Deps = {
    logger,
    clock: systemClock,
    database,
    readinessChecks: [],
    metrics,
    redis: undefined,
    mailer,
    // In-process only by default; a test that wants Redis passes its own cache.
    cache: overrides.cache ?? (await createCache(cacheOptionsFrom(config), { redis: undefined, logger, metrics })),
    signingKeys,
    ...overrides,
  };
  // Every response a test produces is checked against the OpenAPI contract (contract.ts).
  const app = await withContractValidation(() => buildApp(config, deps));
  if (owned) app.addHook("onClose", () => owned.close());
  if (!overrides.signingKeys) app.addHook("onClose", async () => signingKeys.close());
  app.addHook("onClose", async () => {
    if (mailer !== overrides.mailer) await mailer.close();
    rmSync(mailDataDir, { recursive: true, force: true });
  });
  return { app, config, logs, deps, outboxDir: join(mailDataDir, "outbox") };
}
