import { KeyMaterialError } from "../auth/key-material.ts";
import { MigrationIntegrityError, PendingMigrationsError } from "../db/migrator.ts";
import { exitAfterFlush } from "../logging/exit.ts";
import type { Logger } from "../logging/logger.ts";

/** sysexits.h EX_CONFIG: the conventional exit status for a configuration error. */
export const EXIT_CONFIG = 78;

/**
 * Failures a restart cannot mend, because the deployment is wrong rather than the moment:
 * unusable key material, a schema behind the code or out of step with its migrations.
 */
function isDeploymentProblem(error: unknown): error is Error {
  return (
    error instanceof KeyMaterialError ||
    error instanceof PendingMigrationsError ||
    error instanceof MigrationIntegrityError
  );
}

/**
 * Ends a server process whose startup failed. A deployment problem is a configuration
 * error like any other: one line on stderr saying what to fix, the same line logged
 * (without a stack: it would only bury the reason), exit 78 — which supervisors (ours,
 * systemd's RestartPreventExitStatus) read as "do not restart". Anything else (the
 * database unreachable in time, a bug) is logged with its stack and exits 1.
 */
export function exitOnStartupFailure(
  error: unknown,
  logger: Logger,
  stderr: NodeJS.WritableStream = process.stderr,
): void {
  if (isDeploymentProblem(error)) {
    stderr.write(`Invalid configuration: ${error.message}\n`);
    logger.fatal({ exitCode: EXIT_CONFIG }, `startup refused: ${error.message}`);
    exitAfterFlush(logger, EXIT_CONFIG);
    return;
  }
  logger.fatal({ err: error }, `startup failed: ${(error as Error).message}`);
  exitAfterFlush(logger, 1);
}
