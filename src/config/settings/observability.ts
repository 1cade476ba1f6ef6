import { Type } from "@sinclair/typebox";
import type { SettingGroup } from "../setting.ts";

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
