import type { Redis } from "ioredis";
import type { Registry } from "prom-client";
import type { SigningKeys } from "./auth/signing-keys.ts";
import type { Cache } from "./cache/contract.ts";
import type { Clock } from "./clock.ts";
import type { DatabaseHandle } from "./db/connect.ts";
import type { ReadinessCheck } from "./health/readiness.ts";
import type { Logger } from "./logging/logger.ts";
import type { Mailer } from "./mail/mailer.ts";
import type { Tracing } from "./observability/tracing-api.ts";

/**
 * Everything the app needs from the outside world, passed in rather than imported as
 * module singletons so tests can hand in a real database schema per file, a fixed clock
 * or a log capture. Later capabilities add their dependencies here.
 */
export interface Deps {
  readonly logger: Logger;
  readonly clock: Clock;
  /** The database (SQLite or PostgreSQL) with its engine's column types; repositories use `database.db`. */
  readonly database: DatabaseHandle;
  readonly readinessChecks: readonly ReadinessCheck[];
  /** Per-app metrics registry: each area registers its own metrics here (no global registry, so tests stay isolated). */
  readonly metrics: Registry;
  /** Present when REDIS_URL is set; may be disconnected at any moment — callers fall back to memory. */
  readonly redis: Redis | undefined;
  /** Present when OTEL_EXPORTER_OTLP_ENDPOINT is set (tracing started before the app was imported). */
  readonly tracing?: Tracing;
  /** Two-layer cache (in-process LRU + Redis when configured) for hot lookups; see docs/cache.md. */
  readonly cache: Cache;
  /** Access-token signing keys and the published JWKS; reloaded periodically so rotations need no restart. */
  readonly signingKeys: SigningKeys;
  /** Outgoing mail: SMTP when SMTP_URL is set, else .eml files under <DATA_DIR>/outbox; send never throws. */
  readonly mailer: Mailer;
}
