import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import type { Env } from "../../../src/config/load.ts";
import type { Config } from "../../../src/config/settings/index.ts";
import type { Clock } from "../../../src/platform/clock.ts";
import { createLogger } from "../../../src/platform/logging/logger.ts";
import { testConfig } from "../../helpers/app.ts";
import { LogCapture } from "../../helpers/log-capture.ts";

/** A clock the test moves by hand: expiry and retention are asserted without sleeping. */
export interface ManualClock extends Clock {
  advance(seconds: number): void;
}

export function manualClock(start = new Date("2026-01-01T00:00:00Z")): ManualClock {
  let ms = start.getTime();
  return {
    now: () => new Date(ms),
    nowIso: () => new Date(ms).toISOString(),
    advance: (seconds) => {
      ms += seconds * 1000;
    },
  };
}

/** A fresh DATA_DIR removed after the file's tests. */
export function tempDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "rampart-auth-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A test config on its own DATA_DIR, and a logger whose every line (debug and up) is kept. */
export function keyTestSetup(env: Env = {}): {
  config: Config;
  logs: LogCapture;
  logger: ReturnType<typeof createLogger>;
} {
  const config = testConfig({ DATA_DIR: tempDataDir(), LOG_LEVEL: "debug", ...env });
  const logs = new LogCapture();
  return { config, logs, logger: createLogger(config, logs) };
}
