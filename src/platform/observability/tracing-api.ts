import type { Logger } from "../logging/logger.ts";

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
