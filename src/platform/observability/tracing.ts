// Loaded only when tracing is on (see start-tracing.ts): importing this module is what costs.
import { context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { getRPCMetadata, RPCType, setGlobalErrorHandler, W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { IORedisInstrumentation } from "@opentelemetry/instrumentation-ioredis";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { UndiciInstrumentation } from "@opentelemetry/instrumentation-undici";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from "@opentelemetry/semantic-conventions";
import { register as registerModuleHooks } from "import-in-the-middle/register-hooks.mjs";
import type { TracesSamplerName } from "../../config/values/traces-samplers.ts";
import { redisCommandOnly, samplerFromSettings, stripQueryStrings } from "./trace-policy.ts";
import type { Tracing } from "./tracing-api.ts";

export interface TracingOptions {
  readonly serviceName: string;
  readonly serviceVersion: string;
  /** OTLP/HTTP collector base URL; spans are posted to `<endpoint>/v1/traces` in batches. */
  readonly endpoint?: string;
  /** Tests pass an in-memory exporter instead; spans are then exported one by one as they end. */
  readonly exporter?: SpanExporter;
  /** OTEL_TRACES_SAMPLER and its ratio (OTEL_TRACES_SAMPLER_ARG); default parentbased_always_on. */
  readonly sampler?: { readonly name: TracesSamplerName; readonly ratio: number };
}

// The packages imported as ES modules whose imports the hooks intercept. pg-pool and the
// rest of pg are CommonJS `require`s, which the instrumentations hook without this.
const ESM_HOOKED_PACKAGES = ["ioredis", "pg", "pg-pool"];
const EXPORT_TIMEOUT_MS = 5000;
// At shutdown the last spans get this long to leave; an unreachable collector must not hold up the exit.
const SHUTDOWN_FLUSH_MS = 2000;
const EXPORT_ERROR_LOG_INTERVAL_MS = 60_000;

let moduleHooksRegistered = false;

/**
 * Starts tracing for this process: W3C trace context in (incoming `traceparent` continues
 * the caller's trace) and out (`traceparent` on outgoing http and fetch requests), spans
 * for HTTP requests, PostgreSQL queries (pg) and Redis commands (ioredis).
 */
export function startTracing(options: TracingOptions): Tracing {
  if (!moduleHooksRegistered) {
    // Synchronous in-thread module hooks (Node ≥ 24.11): they must be in place before the
    // instrumented packages are first imported, and can be registered once per process.
    registerModuleHooks({ include: ESM_HOOKED_PACKAGES });
    moduleHooksRegistered = true;
  }
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());

  let processor: SpanProcessor;
  if (options.exporter) {
    processor = new SimpleSpanProcessor({ exporter: options.exporter });
  } else {
    const url = `${String(options.endpoint).replace(/\/+$/, "")}/v1/traces`;
    processor = new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url, timeoutMillis: EXPORT_TIMEOUT_MS }) });
  }
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: options.serviceName,
      [ATTR_SERVICE_VERSION]: options.serviceVersion,
    }),
    sampler: samplerFromSettings(options.sampler?.name ?? "parentbased_always_on", options.sampler?.ratio ?? 1),
    // Redaction first: the exporting processor must only ever see the redacted attributes.
    spanProcessors: [stripQueryStrings, processor],
  });
  trace.setGlobalTracerProvider(provider);

  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      // Prometheus scrapes every few seconds would drown the traces that matter.
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => request.url?.startsWith("/metrics") === true,
        requireParentforOutgoingSpans: true,
      }),
      new UndiciInstrumentation({ requireParentforSpans: true }),
      new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: redisCommandOnly }),
      // Without a request around them (the state poll, pool housekeeping) queries start no span at all.
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });

  return {
    logFields(): Record<string, string> {
      const span = trace.getSpan(context.active());
      // A fresh object every time: pino merges the line's own fields into what a mixin returns,
      // so a shared one would carry one line's fields into every later line.
      if (span === undefined) return {};
      const { traceId, spanId } = span.spanContext();
      return { traceId, spanId };
    },
    nameRequestSpan(route) {
      // instrumentation-http names the server span `METHOD route` and sets http.route from this when the response ends.
      const metadata = getRPCMetadata(context.active());
      if (metadata?.type === RPCType.HTTP) metadata.route = route;
    },
    logExportErrorsTo(logger) {
      let lastLogged = Number.NEGATIVE_INFINITY;
      setGlobalErrorHandler((error) => {
        const now = Date.now();
        if (now - lastLogged < EXPORT_ERROR_LOG_INTERVAL_MS) return;
        lastLogged = now;
        const message = error instanceof Error ? error.message : String(error);
        logger.warn({ err: { message } }, "tracing: spans not exported");
      });
    },
    async shutdown() {
      unregister();
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, SHUTDOWN_FLUSH_MS);
      });
      // Export failures were reported through the global error handler already; they do not fail the shutdown.
      await Promise.race([provider.shutdown().catch(() => {}), bound]);
      clearTimeout(timer);
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}
