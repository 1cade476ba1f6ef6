import cluster from "node:cluster";
import type { Env } from "./config/load.ts";
import { loadConfigReporting } from "./config/load-reporting.ts";
import type { Config } from "./config/settings/index.ts";
import { workerCount } from "./config/values/worker-count.ts";
import { BUILD_KIND } from "./platform/build-kind.ts";
import { createShutdown, installSignalHandlers } from "./platform/lifecycle/shutdown.ts";
import { EXIT_CONFIG, exitOnStartupFailure } from "./platform/lifecycle/startup-failure.ts";
import { createLogger } from "./platform/logging/logger.ts";
import { startTracingIfConfigured } from "./platform/observability/start-tracing.ts";
import type { RuntimeDeps } from "./platform/runtime-deps.ts";

/** Reads and validates the configuration; on failure prints every problem and exits 78. */
export function loadConfigOrExit(env: Env, stderr: NodeJS.WritableStream = process.stderr): Config {
  const config = loadConfigReporting(env, stderr);
  if (!config) process.exit(EXIT_CONFIG);
  return config;
}

/**
 * config → dependencies → app → listen → graceful shutdown. With WORKERS > 1 the first
 * process becomes the supervisor (supervisor.ts) and each worker it forks runs this same
 * function as a cluster worker.
 */
export async function runServer(env: Env): Promise<void> {
  const config = loadConfigOrExit(env);
  const workers = workerCount(config.WORKERS);
  if (workers > 1 && cluster.isPrimary) {
    // Imported only here: it loads pg, which must load after tracing's hooks in a worker.
    const { superviseWorkers } = await import("./platform/lifecycle/supervisor.ts");
    // Straight to process.stdout (synchronous for pipes and files on Linux), the stream the
    // workers' lines are relayed to, so the supervisor's own lines never split theirs.
    const logger = createLogger(config, process.stdout).child({ role: "supervisor" });
    await superviseWorkers(config, workers, logger);
    return;
  }
  const worker = cluster.worker;
  const tracing = await startTracingIfConfigured(config);
  // Imported only now: tracing's module hooks must be in place before fastify, ioredis and pg load.
  const { buildApp } = await import("./app.ts");
  const { createRuntimeDeps } = await import("./platform/runtime-deps.ts");
  const processLogger = createLogger(config, undefined, tracing?.logFields);
  // Every line of a cluster worker says which one it is.
  const logger = worker ? processLogger.child({ worker: worker.id }) : processLogger;
  tracing?.logExportErrorsTo(logger);
  let runtime: RuntimeDeps;
  try {
    // A worker's supervisor has migrated already; several workers migrating at once would race.
    runtime = await createRuntimeDeps(config, logger, worker ? { migrate: false } : {});
  } catch (error) {
    exitOnStartupFailure(error, logger);
    return;
  }
  const app = await buildApp(config, { ...runtime.deps, tracing });
  const shutdown = createShutdown({
    app,
    logger,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    drainDelayMs: config.SHUTDOWN_DRAIN_DELAY_MS,
    closeDeps: async () => {
      await runtime.close();
      await tracing?.shutdown();
    },
  });
  installSignalHandlers(shutdown, logger, { ignoreSigint: worker !== undefined });
  const address = await app.listen({ host: config.HOST, port: config.PORT });
  logger.info({ address, env: config.APP_ENV, build: BUILD_KIND }, "rampart listening");
  // Logs are buffered; an operator (or a supervisor waiting for this line) must see it now.
  logger.flush();
}
