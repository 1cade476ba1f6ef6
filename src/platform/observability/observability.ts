import type { FastifyInstance } from "fastify";
import type { Config } from "../../config/settings/index.ts";
import type { Deps } from "../deps.ts";
import { RAMPART_VERSION } from "../version.ts";
import { installErrorReporting } from "./error-reporting.ts";
import { installHttpMetrics, UNMATCHED_ROUTE } from "./http-metrics.ts";
import { type MetricsListener, registerMetricsRoute, serveMetricsPort } from "./metrics-endpoint.ts";
import { registerProcessMetrics } from "./process-metrics.ts";
import { registerRedisMetrics } from "./redis-metrics.ts";
import { createSentryReporter } from "./sentry-reporter.ts";

declare module "fastify" {
  interface FastifyInstance {
    /** The METRICS_PORT listener, when one is configured. */
    metricsListener: MetricsListener | undefined;
  }
}

/**
 * Metrics, tracing hooks and error reporting, each only when configured. Installed before
 * the routes so every route's requests are measured.
 */
export function installObservability(app: FastifyInstance, config: Config, deps: Deps): void {
  const { tracing } = deps;
  if (tracing) {
    app.addHook("onRequest", (request, _reply, done) => {
      tracing.nameRequestSpan(request.routeOptions.url ?? UNMATCHED_ROUTE);
      done();
    });
  }

  let listener: MetricsListener | undefined;
  if (config.ENABLE_METRICS) {
    registerProcessMetrics(deps.metrics);
    installHttpMetrics(app, deps.metrics);
    if (deps.redis) registerRedisMetrics(deps.metrics, deps.redis);
    if (config.METRICS_TOKEN) registerMetricsRoute(app, deps.metrics, config.METRICS_TOKEN);
    if (config.METRICS_PORT !== undefined) {
      listener = serveMetricsPort(
        app,
        deps.metrics,
        { host: config.METRICS_HOST, port: config.METRICS_PORT },
        deps.logger,
      );
    }
  }
  app.decorate("metricsListener", listener);

  if (config.SENTRY_DSN) {
    const reporter = createSentryReporter({
      dsn: config.SENTRY_DSN,
      environment: config.APP_ENV,
      release: RAMPART_VERSION,
      timeoutMs: config.ERROR_REPORT_TIMEOUT_MS,
      logger: deps.logger,
    });
    installErrorReporting(app, reporter, tracing?.logFields);
  }
}
