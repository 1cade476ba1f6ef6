import { Type } from "@sinclair/typebox";
import type { ConfigRule, SettingGroup } from "../setting.ts";

const DATABASE_URL_FORMS = "postgres://…, postgresql://…, sqlite:<path> or sqlite::memory:";

export const databaseSettings = {
  DATABASE_URL: {
    schema: Type.String({ pattern: "^(postgres(ql)?://.+|sqlite:.+)$", description: `one of ${DATABASE_URL_FORMS}` }),
    description: "Database. Unset: embedded SQLite file <DATA_DIR>/rampart.db. Or postgres://user:pass@host:5432/db.",
    example: "postgres://rampart:change-me@127.0.0.1:5432/rampart",
    secret: true,
  },
  DB_POOL_MAX: {
    schema: Type.Integer({ minimum: 1, maximum: 1000 }),
    default: "30",
    description: "PostgreSQL pool size per instance (audited default: 10 + 20 overflow).",
    example: "30",
  },
  DB_POOL_TIMEOUT_MS: {
    schema: Type.Integer({ minimum: 1 }),
    default: "5000",
    description: "How long a request waits for a free PostgreSQL connection before answering 503.",
    example: "5000",
  },
  DB_IDLE_TIMEOUT_MS: {
    schema: Type.Integer({ minimum: 0 }),
    default: "30000",
    description: "Idle PostgreSQL connections are closed after this long.",
    example: "30000",
  },
  DB_MAX_LIFETIME_S: {
    schema: Type.Integer({ minimum: 0 }),
    default: "3600",
    description: "PostgreSQL connections are recycled after this many seconds (0: never).",
    example: "3600",
  },
  DB_STATEMENT_TIMEOUT_MS: {
    schema: Type.Integer({ minimum: 0 }),
    default: "10000",
    description: "PostgreSQL statement_timeout: a longer statement is cancelled and the request answers 503.",
    example: "10000",
  },
  DB_CONNECT_TIMEOUT_MS: {
    schema: Type.Integer({ minimum: 100 }),
    default: "5000",
    description: "How long startup waits for the database before failing.",
    example: "5000",
  },
  SQLITE_BUSY_TIMEOUT_MS: {
    schema: Type.Integer({ minimum: 0 }),
    default: "5000",
    description: "SQLite busy timeout when another process (e.g. the CLI) holds the write lock.",
    example: "5000",
  },
  MIGRATE_ON_START: {
    schema: Type.Boolean(),
    defaultFrom: (resolved) => (resolved.APP_ENV === "production" ? "false" : "true"),
    description: "Apply pending migrations at startup. Default: true outside production.",
    example: "false",
  },
  SERVE_PENDING_MIGRATIONS: {
    schema: Type.Boolean(),
    default: "false",
    description:
      "Start and report ready although this release's migrations are not applied yet: only for a release known to work on the previous schema (expand-then-contract). false: such a start is refused (exit 78) and readiness answers 503 while the schema is behind.",
    example: "false",
  },
} satisfies SettingGroup;

export const databaseRules: ConfigRule[] = [];
