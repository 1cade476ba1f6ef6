import type { Config } from "../../config/settings/index.ts";
import { RAMPART_VERSION } from "../version.ts";
import type { Tracing } from "./tracing-api.ts";

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
