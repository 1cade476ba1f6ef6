import { Type } from "@sinclair/typebox";
import type { ConfigProblem, ConfigRule, SettingGroup } from "../setting.ts";
import { mayRunSeveralWorkers, WORKERS_PATTERN } from "../values/worker-count.ts";

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
  WORKERS: {
    schema: Type.String({ pattern: WORKERS_PATTERN, description: "auto or a whole number from 1 to 999" }),
    default: "1",
    description:
      "Worker processes serving one port (node:cluster), supervised and restarted by `rampart serve`: a number, or auto for one per CPU. 1: the process serves by itself.",
    example: "auto",
  },
  INSTANCE_COUNT: {
    schema: Type.Integer({ minimum: 1 }),
    default: "1",
    description:
      "How many Rampart instances (hosts, containers, pods) serve this deployment at once. Only informs startup checks: production refuses SQLite when more than one process would use it.",
    example: "2",
  },
} satisfies SettingGroup;

function usesSqlite(databaseUrl: unknown): boolean {
  return databaseUrl === undefined || String(databaseUrl).startsWith("sqlite:");
}

/**
 * Several processes on one SQLite file serialise every write on one lock and cannot share
 * in-process rate limits or caches; several instances on several hosts cannot share the
 * file at all. An in-memory SQLite is a different, empty database in every worker.
 */
const sqliteProcessesRule: ConfigRule = (c) => {
  const problems: ConfigProblem[] = [];
  const several = mayRunSeveralWorkers(String(c.WORKERS));
  const example = "postgres://rampart:change-me@db:5432/rampart";
  if (c.DATABASE_URL === "sqlite::memory:" && several) {
    problems.push({
      name: "WORKERS",
      message: `is ${String(c.WORKERS)} but an in-memory SQLite database would be a separate, empty database in every worker; use WORKERS=1 or a file or PostgreSQL`,
      example: "1",
    });
  } else if (c.APP_ENV === "production" && usesSqlite(c.DATABASE_URL)) {
    if (several) {
      problems.push({
        name: "WORKERS",
        message: `is ${String(c.WORKERS)} but the database is SQLite, which serves one process; in production set DATABASE_URL to PostgreSQL, or WORKERS=1`,
        example: "1",
      });
    }
    if (Number(c.INSTANCE_COUNT) > 1) {
      problems.push({
        name: "INSTANCE_COUNT",
        message: `is ${String(c.INSTANCE_COUNT)} but the database is SQLite, a file on one host; several instances need PostgreSQL (DATABASE_URL=${example})`,
        example: "1",
      });
    }
  }
  return problems;
};

export const serverRules: ConfigRule[] = [sqliteProcessesRule];
