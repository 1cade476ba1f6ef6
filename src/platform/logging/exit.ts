import type { Logger } from "./logger.ts";

/**
 * Exits once buffered log lines are written: the last lines before an exit (why startup
 * failed, why shutdown timed out) are the ones an operator needs most.
 */
export function exitAfterFlush(logger: Logger, code: number): void {
  const fallback = setTimeout(() => process.exit(code), 1000);
  logger.flush(() => {
    clearTimeout(fallback);
    process.exit(code);
  });
}
