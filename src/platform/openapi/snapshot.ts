import { Registry } from "prom-client";
import { buildApp } from "../../app.ts";
import { loadConfig } from "../../config/load.ts";
import { systemClock } from "../clock.ts";
import { createLogger } from "../logging/logger.ts";

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
  const app = await buildApp(config, {
    logger: createLogger(config),
    clock: systemClock,
    readinessChecks: [],
    metrics: new Registry(),
    redis: undefined,
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
