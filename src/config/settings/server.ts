import { Type } from "@sinclair/typebox";
import type { ConfigRule, SettingGroup } from "../setting.ts";

export const serverSettings = {
  APP_ENV: {
    schema: Type.Union([Type.Literal("development"), Type.Literal("test"), Type.Literal("production")]),
    default: "development",
    description: "Deployment profile: development | test | production. Production refuses unsafe settings.",
    example: "production",
  },
  HOST: {
    schema: Type.String({ minLength: 1 }),
    default: "127.0.0.1",
    description: "Interface the HTTP server binds to (0.0.0.0 inside a container).",
    example: "0.0.0.0",
  },
  PORT: {
    schema: Type.Integer({ minimum: 0, maximum: 65535 }),
    default: "8000",
    description: "TCP port of the HTTP server (0 picks a free port).",
    example: "8000",
  },
  LOG_LEVEL: {
    schema: Type.Union(["fatal", "error", "warn", "info", "debug", "trace", "silent"].map((l) => Type.Literal(l))),
    default: "info",
    description: "Minimum log level: fatal | error | warn | info | debug | trace | silent.",
    example: "info",
  },
  LOG_FORMAT: {
    schema: Type.Union([Type.Literal("json"), Type.Literal("pretty")]),
    defaultFrom: (resolved) => (resolved.APP_ENV === "development" ? "pretty" : "json"),
    description: "Log output: json | pretty. Default: pretty in development, json otherwise.",
    example: "json",
  },
  DATA_DIR: {
    schema: Type.String({ minLength: 1 }),
    default: "./data",
    description: "Directory for the embedded database, development signing keys and the mail outbox.",
    example: "./data",
  },
  SLOW_REQUEST_MS: {
    schema: Type.Integer({ minimum: 1 }),
    default: "1000",
    description: "Requests slower than this many milliseconds are logged at warn.",
    example: "1000",
  },
  SHUTDOWN_TIMEOUT_MS: {
    schema: Type.Integer({ minimum: 0 }),
    default: "10000",
    description: "On SIGTERM, how long in-flight requests may take to finish before the process exits anyway.",
    example: "10000",
  },
  SHUTDOWN_DRAIN_DELAY_MS: {
    schema: Type.Integer({ minimum: 0 }),
    default: "0",
    description:
      "On SIGTERM, how long readiness answers 503 while the listener still accepts, so a load balancer can stop routing first.",
    example: "5000",
  },
  READINESS_TIMEOUT_MS: {
    schema: Type.Integer({ minimum: 1 }),
    default: "2000",
    description: "How long each readiness check (database, Redis) may take before it counts as failed.",
    example: "2000",
  },
} satisfies SettingGroup;

export const serverRules: ConfigRule[] = [];
