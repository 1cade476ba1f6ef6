import { createPostgresSchema } from "../test/helpers/database.ts";
import { companyOwner, signedInBearer } from "./identity-setup.ts";

/** A load scenario: which server to start, what to request, and what to prepare first. */
export interface Scenario {
  readonly name: string;
  /** Which server: Rampart, or one of the reference servers bench/bare-server.ts and bench/floor-server.ts. */
  readonly target: "bare" | "floor" | "rampart";
  readonly path: string;
  readonly method?: "GET" | "POST";
  /** Extra environment for the Rampart instance (e.g. DATABASE_URL). */
  readonly env?: Record<string, string>;
  /** Runs before the server starts (e.g. creates a PostgreSQL schema); its env is added, cleanup runs after. */
  setup?(): Promise<{ env: Record<string, string>; cleanup(): Promise<void> }>;
  /** Runs against the started server before the load, returns request headers (e.g. a bearer token). */
  prepare?(baseUrl: string, dataDir: string): Promise<{ headers: Record<string, string>; path?: string }>;
  /** Compare requests/s with this scenario's and print the percentage. */
  readonly baseline?: string;
  /** Minimum percentage of the baseline's requests/s; the run fails below it. */
  readonly targetPercent?: number;
}

const GENEROUS = "min=1000000000,hour=1000000000,burst=1000000000";

// A signed-in user reading their own row by primary key: JWT verification, session and user
// lookup, serialization — the whole authenticated path, on each engine. Limits are generous
// so the bench measures cost, not 429s.
const usersMe = (engine: "sqlite" | "postgres"): Scenario => ({
  name: `GET /api/v1/users/me (${engine})`,
  target: "rampart",
  path: "/api/v1/users/me",
  env: { RATE_LIMIT_USER: GENEROUS, RATE_LIMIT_AUTH: GENEROUS },
  setup:
    engine === "postgres"
      ? async () => {
          const { url, dropSchema } = await createPostgresSchema();
          return { env: { DATABASE_URL: url }, cleanup: dropSchema };
        }
      : undefined,
  prepare: signedInBearer,
  baseline: "GET /health",
});

const REDIS = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";

function companyRead(label: string, env: Record<string, string>): Scenario {
  return {
    name: `GET /api/v1/companies/{id} (postgres, ${label})`,
    target: "rampart",
    path: "/api/v1/companies/{id}",
    env: { RATE_LIMIT_USER: GENEROUS, RATE_LIMIT_ADMIN: GENEROUS, RATE_LIMIT_AUTH: GENEROUS, ...env },
    setup: async () => {
      const { url, dropSchema } = await createPostgresSchema();
      return { env: { DATABASE_URL: url }, cleanup: dropSchema };
    },
    prepare: companyOwner,
    baseline: label === "cache off" ? undefined : "GET /api/v1/companies/{id} (postgres, cache off)",
  };
}

export const scenarios: Scenario[] = [
  { name: "bare node:http JSON", target: "bare", path: "/" },
  // The same answer from Fastify with Rampart's logger, request ids and response headers and
  // nothing else (bench/floor-server.ts): the least GET /health can cost on this stack.
  {
    name: "Fastify floor: same body and headers, no edge",
    target: "floor",
    path: "/health",
    baseline: "bare node:http JSON",
  },
  {
    name: "GET /health",
    target: "rampart",
    path: "/health",
    baseline: "bare node:http JSON",
    targetPercent: 70,
  },
  // What the request metrics cost: the same probe with ENABLE_METRICS=false.
  {
    name: "GET /health (metrics off)",
    target: "rampart",
    path: "/health",
    env: { ENABLE_METRICS: "false" },
    baseline: "GET /health",
  },
  // What tracing costs when on; port 9 (discard) has no listener, so every export fails as with a collector down.
  {
    name: "GET /health (tracing on, no exporter reachable)",
    target: "rampart",
    path: "/health",
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9" },
    baseline: "GET /health",
  },
  // The cost of rate limiting on a limited route: /health gets the public tier through
  // RATE_LIMIT_ROUTES, with limits far above what the load reaches, so every request is
  // counted (minute and hour windows) and none is refused.
  {
    name: "GET /health + rate limit (memory)",
    target: "rampart",
    path: "/health",
    env: { RATE_LIMIT_ROUTES: "GET /health=public", RATE_LIMIT_PUBLIC: GENEROUS },
    baseline: "GET /health",
  },
  {
    name: "GET /health + rate limit (redis)",
    target: "rampart",
    path: "/health",
    env: {
      RATE_LIMIT_ROUTES: "GET /health=public",
      RATE_LIMIT_PUBLIC: GENEROUS,
      REDIS_URL: process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379",
      RATE_LIMIT_KEY_PREFIX: `rampart:bench:${process.pid}`,
    },
    baseline: "GET /health",
  },
  {
    name: "GET /.well-known/jwks.json",
    target: "rampart",
    path: "/.well-known/jwks.json",
    baseline: "bare node:http JSON",
  },
  usersMe("sqlite"),
  usersMe("postgres"),
  // The cost of rate limiting on an authenticated route: keyed by user, counted in memory or Redis.
  {
    ...usersMe("sqlite"),
    name: "GET /api/v1/users/me (sqlite, rate limiting off)",
    env: { ENABLE_RATE_LIMITING: "false" },
    baseline: "GET /api/v1/users/me (sqlite)",
  },
  {
    ...usersMe("sqlite"),
    name: "GET /api/v1/users/me (sqlite, rate limits in redis)",
    env: { ...usersMe("sqlite").env, REDIS_URL: REDIS, RATE_LIMIT_KEY_PREFIX: `rampart:bench:rl:${process.pid}` },
    baseline: "GET /api/v1/users/me (sqlite)",
  },
  // An authenticated tenant route on PostgreSQL: session, company status and membership
  // lookups on every request — what the cache is for. Cache off, in memory, and with Redis.
  companyRead("cache off", { CACHE_ENABLED: "false" }),
  companyRead("cache in memory", {}),
  companyRead("cache with redis", { REDIS_URL: REDIS, CACHE_KEY_PREFIX: `rampart:bench:cache:${process.pid}` }),
];
