import { setTimeout as sleep } from "node:timers/promises";
import { exitAfterFlush } from "../logging/exit.ts";
import type { Logger } from "../logging/logger.ts";
import type { Lifecycle } from "./lifecycle.ts";

/** What shutdown needs of the app (app.ts's App): its drain flag, and closing it. */
export interface ClosableApp {
  readonly lifecycle: Lifecycle;
  close(): Promise<unknown>;
}

export interface ShutdownOptions {
  readonly app: ClosableApp;
  readonly logger: Logger;
  readonly timeoutMs: number;
  readonly drainDelayMs: number;
  readonly closeDeps: () => Promise<void>;
  readonly exit?: (code: number) => void;
}

/**
 * Graceful shutdown: readiness flips to 503 at once (so a load balancer stops routing),
 * optionally keeps accepting for `drainDelayMs`, then stops listening, lets in-flight
 * requests finish within `timeoutMs`, closes pools and exits 0. A second signal exits at
 * once; a crash (uncaught exception or unhandled rejection) takes the same path with exit 1.
 */
export type Shutdown = (reason: string, exitCode: number) => Promise<void>;

export function createShutdown(options: ShutdownOptions): Shutdown {
  const { app, logger, timeoutMs, drainDelayMs, closeDeps } = options;
  const exit = options.exit ?? ((code: number) => exitAfterFlush(logger, code));
  let started = false;

  async function shutdown(reason: string, exitCode: number): Promise<void> {
    if (started) {
      logger.warn({ reason }, "second shutdown request; exiting now");
      exit(exitCode === 0 ? 130 : exitCode);
      return;
    }
    started = true;
    app.lifecycle.draining = true;
    logger.info({ reason, timeoutMs, drainDelayMs }, "shutdown started; readiness now 503");
    const deadline = setTimeout(() => {
      logger.error({ timeoutMs }, "shutdown timed out; in-flight requests abandoned");
      exit(1);
    }, timeoutMs + drainDelayMs);
    deadline.unref();
    try {
      if (drainDelayMs > 0) await sleep(drainDelayMs);
      await app.close();
      await closeDeps();
      clearTimeout(deadline);
      logger.info({ exitCode }, "shutdown complete");
    } catch (error) {
      logger.error({ err: error }, "shutdown failed");
      exitCode = 1;
    }
    exit(exitCode);
  }

  return shutdown;
}

/**
 * Routes termination signals and crashes of this process into `shutdown`. A cluster worker
 * ignores SIGINT: Ctrl-C reaches the whole process group, and the supervisor turns it into
 * one SIGTERM per worker — a worker acting on both would take the second as "exit now".
 */
export function installSignalHandlers(
  shutdown: Shutdown,
  logger: Logger,
  { ignoreSigint = false }: { ignoreSigint?: boolean } = {},
): void {
  process.on("SIGTERM", () => void shutdown("SIGTERM", 0));
  process.on("SIGINT", () => {
    if (!ignoreSigint) void shutdown("SIGINT", 0);
  });
  process.on("uncaughtException", (error) => {
    logger.fatal({ err: error }, "uncaught exception");
    void shutdown("uncaughtException", 1);
  });
  process.on("unhandledRejection", (reason) => {
    logger.fatal({ err: reason }, "unhandled promise rejection");
    void shutdown("unhandledRejection", 1);
  });
}
