import type { Config } from "../../config/settings/index.ts";
import type { Logger } from "../logging/logger.ts";
import { RAMPART_VERSION } from "../version.ts";

/** What the rest of Rampart sees of tracing; the OpenTelemetry types stay inside tracing.ts. */
export interface Tracing {
  /** pino mixin: `traceId` and `spanId` of the active span, merged into every log line written inside it. */
  logFields(): Record<string, string>;
  /** Names the active HTTP server span after the route template (`GET /api/v1/companies/:companyId`). */
  nameRequestSpan(route: string): void;
  /** Span export failures (collector down) become a warning on this logger, at most once a minute. */
  logExportErrorsTo(logger: Logger): void;
  /** Exports the spans still buffered (bounded by the exporter timeout) and stops tracing. */
  shutdown(): Promise<void>;
}

/**
 * Tracing is off unless OTEL_EXPORTER_OTLP_ENDPOINT is set, and then costs nothing: not
 * one OpenTelemetry module is imported (tracing.ts is loaded dynamically). When on, this
 * must run before the app's modules (fastify, ioredis, pg) are imported, because the
 * module hooks that instrument them only see imports that happen after they are registered.
 */
export async function startTracingIfConfigured(config: Config): Promise<Tracing | undefined> {
  if (config.OTEL_EXPORTER_OTLP_ENDPOINT === undefined) return undefined;
  const { startTracing } = await import("./tracing.ts");
  return startTracing({
    serviceName: config.OTEL_SERVICE_NAME,
    serviceVersion: RAMPART_VERSION,
    endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
    sampler: { name: config.OTEL_TRACES_SAMPLER, ratio: config.OTEL_TRACES_SAMPLER_ARG },
  });
}
