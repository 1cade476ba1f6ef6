import { Type } from "@sinclair/typebox";
import type { ConfigRule, SettingGroup } from "../setting.ts";
import { TRACES_SAMPLERS } from "../values/traces-samplers.ts";

export const observabilitySettings = {
  ENABLE_METRICS: {
    schema: Type.Boolean(),
    default: "true",
    description: "Collect Prometheus metrics and serve them (see METRICS_PORT and METRICS_TOKEN). false: neither.",
    example: "true",
  },
  METRICS_PORT: {
    schema: Type.Integer({ minimum: 0, maximum: 65535 }),
    description:
      "Serve GET /metrics without a token on this separate port (keep it off the public network). Unset: no metrics port.",
    example: "9464",
  },
  METRICS_HOST: {
    schema: Type.String({ minLength: 1 }),
    defaultFrom: (resolved) => String(resolved.HOST),
    description: "Interface the METRICS_PORT listener binds to. Default: HOST.",
    example: "127.0.0.1",
  },
  METRICS_TOKEN: {
    schema: Type.String({ minLength: 16, description: "a string of at least 16 characters" }),
    description:
      "Serve GET /metrics on the main port to requests with `Authorization: Bearer <token>`. Unset: the main port answers 404.",
    example: "a-long-random-scrape-token",
    secret: true,
  },
  OTEL_EXPORTER_OTLP_ENDPOINT: {
    schema: Type.String({ pattern: "^https?://", description: "an http:// or https:// URL" }),
    description:
      "OpenTelemetry collector (OTLP/HTTP) base URL; traces go to <url>/v1/traces. Unset: tracing off, nothing loaded.",
    example: "http://127.0.0.1:4318",
  },
  OTEL_TRACES_SAMPLER: {
    schema: Type.Union(TRACES_SAMPLERS.map((name) => Type.Literal(name))),
    default: "parentbased_always_on",
    description:
      "Which traces are kept (OpenTelemetry's standard variable): always_on | always_off | traceidratio | parentbased_always_on | parentbased_always_off | parentbased_traceidratio. A trace starts only at an incoming request; background work starts none.",
    example: "parentbased_traceidratio",
  },
  OTEL_TRACES_SAMPLER_ARG: {
    schema: Type.Number({ minimum: 0, maximum: 1 }),
    default: "1",
    description: "The ratio of traces kept by the traceidratio samplers, from 0 to 1.",
    example: "0.1",
  },
  OTEL_SERVICE_NAME: {
    schema: Type.String({ minLength: 1 }),
    default: "rampart",
    description: "service.name of the spans this process exports.",
    example: "rampart",
  },
  SENTRY_DSN: {
    schema: Type.String({
      pattern: "^https?://[^@/]+@[^/]+/.*\\d+$",
      description: "a Sentry DSN (https://key@host/id)",
    }),
    description: "Report unexpected 5xx errors to this Sentry project. Unset: errors are only logged.",
    example: "https://public-key@o1.ingest.sentry.io/123456",
    secret: true,
  },
  ERROR_REPORT_TIMEOUT_MS: {
    schema: Type.Integer({ minimum: 1 }),
    default: "2000",
    description: "Upper bound of one error report to SENTRY_DSN; a slow or failed report is dropped.",
    example: "2000",
  },
} satisfies SettingGroup;

export const observabilityRules: ConfigRule[] = [
  // The metrics listener would fail to bind at startup; say so while reading the config instead.
  (c) =>
    c.METRICS_PORT !== undefined && c.METRICS_PORT !== 0 && c.METRICS_PORT === c.PORT && c.METRICS_HOST === c.HOST
      ? [
          {
            name: "METRICS_PORT",
            message: `must differ from PORT (${c.PORT}): it is a second listener`,
            example: "9464",
          },
        ]
      : [],
];
