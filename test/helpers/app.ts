import { Registry } from "prom-client";
import { type App, buildApp } from "../../src/app.ts";
import type { Env } from "../../src/config/load.ts";
import { loadConfig } from "../../src/config/load.ts";
import type { Config } from "../../src/config/settings/index.ts";
import { systemClock } from "../../src/platform/clock.ts";
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
  const deps: Deps = {
    logger: createLogger(config, logs),
    clock: systemClock,
    readinessChecks: [],
    metrics: new Registry(),
    redis: undefined,
    ...overrides,
  };
  // Every response a test produces is checked against the OpenAPI contract (contract.ts).
  const app = await withContractValidation(() => buildApp(config, deps));
  return { app, config, logs };
}
