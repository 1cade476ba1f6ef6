import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import { buildApp } from "../app.ts";
import { loadConfig } from "../config/load.ts";
import { loadSigningKeys } from "../platform/auth/signing-keys.ts";
import { createCache } from "../platform/cache/cache.ts";
import { cacheOptionsFrom } from "../platform/cache/contract.ts";
import { systemClock } from "../platform/clock.ts";
import { openDatabase } from "../platform/db/connect.ts";
import { createLogger } from "../platform/logging/logger.ts";
import { createMailer } from "../platform/mail/mailer.ts";

/**
 * The settings the committed openapi.json is generated with: fixed here rather than read
 * from the environment, so the document depends on the code only, never on a developer's
 * .env. Legacy routes are on (the default), so their deprecated operations are listed.
 */
export const OPENAPI_SNAPSHOT_ENV = {
  APP_ENV: "test",
  LOG_LEVEL: "silent",
  LOG_FORMAT: "json",
  ENABLE_DOCS: "false",
  ENABLE_LEGACY_ROUTES: "true",
} as const;

/** Builds the app without listening or connecting anything and returns its OpenAPI document. */
export async function buildOpenapiDocument(): Promise<unknown> {
  const config = loadConfig(OPENAPI_SNAPSHOT_ENV);
  const logger = createLogger(config);
  const metrics = new Registry();
  // Nothing is queried while building the document: an unmigrated in-memory database suffices.
  const database = openDatabase({ ...config, DATABASE_URL: "sqlite::memory:" }, logger);
  const cache = await createCache(cacheOptionsFrom(config), { redis: undefined, logger, metrics });
  // Throwaway keys: the JWKS route must exist for the document, its keys never leave this process.
  const keysDir = mkdtempSync(join(tmpdir(), "rampart-openapi-"));
  const signingKeys = await loadSigningKeys({ ...config, DATA_DIR: keysDir }, logger, systemClock);
  const app = await buildApp(config, {
    logger,
    clock: systemClock,
    database,
    cache,
    signingKeys,
    readinessChecks: [],
    metrics,
    redis: undefined,
    // Writes nothing unless a message is sent, and none is while building the document.
    mailer: createMailer(config, logger),
  });
  app.addHook("onClose", async () => {
    await cache.close();
    await database.close();
    signingKeys.close();
    rmSync(keysDir, { recursive: true, force: true });
  });
  try {
    await app.ready();
    return app.swagger();
  } finally {
    await app.close();
  }
}

/** The exact text of openapi.json: two-space JSON and a final newline. */
export function renderOpenapiDocument(document: unknown): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
