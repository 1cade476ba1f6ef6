import { MAX_CONCURRENT_ARGON2 } from "../src/modules/identity/passwords.ts";
import { createPostgresSchema } from "../test/helpers/database.ts";
import {
  apiKeyMembers,
  companyMembers,
  companyOwner,
  loginRequest,
  type Prepared,
  signedInBearer,
} from "./identity-setup.ts";
import { migrate, referenceWorld } from "./references/setup.ts";

/** A figure a scenario must reach, as a ratio of another scenario's requests/s in the same run. */
export interface RatioTarget {
  readonly against: string;
  readonly atLeast: number;
  /**
   * Judged on the median of this many short rounds taken in turn with the reference started
   * again beside it (bench/alternating.ts), not on the two scenarios' runs minutes apart.
   * A reference with a setup of its own shares the measured scenario's (one database for both
   * servers, as instances share one); each started server is prepared anew.
   */
  readonly alternatingRounds?: number;
  /**
   * Fresh pairs of processes (the measured server and the reference, each started anew) to take
   * those rounds on; the verdict is the median of every pair's rounds (bench/alternating.ts).
   * 1 when absent.
   */
  readonly alternatingPairs?: number;
}

/** A load scenario: which server to start, what to request, and what to prepare first. */
export interface Scenario {
  readonly name: string;
  /** Rampart, or a reference server (bench/*-server.ts, bench/references/*-server.ts). */
  readonly target: "bare" | "floor" | "ceiling" | "express" | "rampart";
  readonly path: string;
  readonly method?: "GET" | "POST";
  /** A JSON request body; `[<id>]` in it becomes a fresh id per request (autocannon -I). */
  readonly body?: string;
  /** Connections for this scenario (default BENCH_CONNECTIONS). */
  readonly connections?: number;
  /** Extra environment for the server (e.g. DATABASE_URL). */
  readonly env?: Record<string, string>;
  /** Runs before the server starts (e.g. creates a PostgreSQL schema); its env is added, cleanup runs after. */
  setup?(): Promise<{
    env: Record<string, string>;
    headers?: Record<string, string>;
    path?: string;
    cleanup(): Promise<void>;
  }>;
  /** Runs against the started server before the load: request headers (e.g. a bearer token), path, body. */
  prepare?(baseUrl: string, dataDir: string): Promise<Prepared>;
  /** Print requests/s as a percentage of this scenario's (information only). */
  readonly baseline?: string;
  /** Ratios of requests/s the run must reach; it fails below any of them. */
  readonly targets?: readonly RatioTarget[];
  /** Bound on spawn → "listening" (the run fails above it). */
  readonly maxReadyMs?: number;
  /** Bound on resident memory a second after the server is ready, before any request. */
  readonly maxIdleRssMiB?: number;
  /** Bound on p99 latency under a fixed load of half the measured requests/s. */
  readonly maxP99AtHalfRateMs?: number;
  /** The same fixed-load run without a bound, printed as context (the references: what this machine allows). */
  readonly reportP99AtHalfRate?: boolean;
  /** Load rounds after which RSS must be within 10 % of RSS after the first. */
  readonly rssGrowthRounds?: number;
}

const GENEROUS = "min=1000000000,hour=1000000000,burst=1000000000";

const REDIS = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
const EXPRESS_ME = "Express 5 reference: users/me (postgres + redis)";
const EXPRESS_MEMBERS = "Express 5 reference: company members, a member's token (postgres + redis)";
const EXPRESS_MEMBERS_KEY = "Express 5 reference: company members, an API key (postgres + redis)";
const CEILING_ME = "ceiling: users/me on bare node:http (postgres + redis)";
const CONSOLE_OFF_ME = "GET /api/v1/users/me (postgres + redis, production edge, console off)";

/** A PostgreSQL schema, already migrated: start-to-ready then measures a start, not the first migration. */
async function migratedSchema() {
  const { url, dropSchema } = await createPostgresSchema();
  await (await migrate(url)).close();
  return { env: { DATABASE_URL: url }, cleanup: dropSchema };
}

// A signed-in user reading their own row by primary key: JWT verification, session and user
// lookup, serialization — the whole authenticated path, on each engine. Limits are generous
// so the bench measures cost, not 429s.
const usersMe = (engine: "sqlite" | "postgres"): Scenario => ({
  name: `GET /api/v1/users/me (${engine})`,
  target: "rampart",
  path: "/api/v1/users/me",
  env: { RATE_LIMIT_USER: GENEROUS, RATE_LIMIT_AUTH: GENEROUS },
  setup: engine === "postgres" ? migratedSchema : undefined,
  prepare: signedInBearer,
  baseline: EXPRESS_ME,
});

/** Every edge feature on, state shared through PostgreSQL and Redis: a production instance. */
const PRODUCTION_EDGE = {
  RATE_LIMIT_USER: GENEROUS,
  RATE_LIMIT_AUTH: GENEROUS,
  RATE_LIMIT_ADMIN: GENEROUS,
  REDIS_URL: REDIS,
  RATE_LIMIT_KEY_PREFIX: `rampart:bench:rl:${process.pid}`,
  CACHE_KEY_PREFIX: `rampart:bench:cache:${process.pid}`,
};

function companyRead(label: string, env: Record<string, string>): Scenario {
  return {
    name: `GET /api/v1/companies/{id} (postgres, ${label})`,
    target: "rampart",
    path: "/api/v1/companies/{id}",
    env: { RATE_LIMIT_USER: GENEROUS, RATE_LIMIT_ADMIN: GENEROUS, RATE_LIMIT_AUTH: GENEROUS, ...env },
    setup: migratedSchema,
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
    // The one ratio close to its bound: judged on rounds alternated with the floor.
    targets: [
      {
        against: "Fastify floor: same body and headers, no edge",
        atLeast: 0.95,
        alternatingRounds: 4,
        alternatingPairs: 3,
      },
    ],
    // The embedded default: SQLite, in-process limits and cache, restarted on a copy of the first
    // start's data directory (keys made, schema migrated; that start is reported on its own line).
    maxIdleRssMiB: 120,
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
  // The references for users/me: the same token shape, one rate-limit hit in Redis, the same row.
  {
    name: CEILING_ME,
    target: "ceiling",
    path: "/api/v1/users/me",
    setup: () => referenceWorld(REDIS),
    reportP99AtHalfRate: true,
  },
  {
    name: EXPRESS_ME,
    target: "express",
    path: "/api/v1/users/me",
    setup: () => referenceWorld(REDIS),
    reportP99AtHalfRate: true,
  },
  // The console must not cost the API anything (issue #26): the same server, the same load,
  // with and without the console routed; the claims ledger's U12 cites the second.
  {
    name: CONSOLE_OFF_ME,
    target: "rampart",
    path: "/api/v1/users/me",
    env: { ...PRODUCTION_EDGE, ENABLE_CONSOLE: "false" },
    setup: migratedSchema,
    prepare: signedInBearer,
    baseline: EXPRESS_ME,
  },
  {
    name: "GET /api/v1/users/me (postgres + redis, production edge, console on)",
    target: "rampart",
    path: "/api/v1/users/me",
    env: { ...PRODUCTION_EDGE, ENABLE_CONSOLE: "true" },
    setup: migratedSchema,
    prepare: signedInBearer,
    baseline: CONSOLE_OFF_ME,
    // Two runs minutes apart read 0.86–1.02× on these machines: judged, like /health, on rounds
    // alternated between the two servers, started side by side three times.
    targets: [{ against: CONSOLE_OFF_ME, atLeast: 0.95, alternatingRounds: 4, alternatingPairs: 3 }],
  },
  {
    name: "GET /api/v1/users/me (postgres + redis, production edge)",
    target: "rampart",
    path: "/api/v1/users/me",
    env: PRODUCTION_EDGE,
    setup: migratedSchema,
    prepare: signedInBearer,
    baseline: EXPRESS_ME,
    targets: [
      { against: EXPRESS_ME, atLeast: 2.0 },
      { against: CEILING_ME, atLeast: 0.8 },
    ],
    maxP99AtHalfRateMs: 10,
    maxReadyMs: 700,
    maxIdleRssMiB: 120,
    rssGrowthRounds: 3,
  },
  usersMe("sqlite"),
  usersMe("postgres"),
  {
    name: EXPRESS_MEMBERS,
    target: "express",
    path: "/api/v1/companies/{id}/members",
    setup: async () => {
      const world = await referenceWorld(REDIS);
      return { ...world, path: world.membersPath };
    },
  },
  {
    name: EXPRESS_MEMBERS_KEY,
    target: "express",
    path: "/api/v1/companies/{id}/members",
    setup: async () => {
      const world = await referenceWorld(REDIS);
      return {
        env: world.env,
        cleanup: world.cleanup,
        headers: { "x-api-key": world.apiKey },
        path: world.membersPath,
      };
    },
  },
  {
    name: "GET /api/v1/companies/{id}/members (postgres + redis, a member's token)",
    target: "rampart",
    path: "/api/v1/companies/{id}/members",
    env: PRODUCTION_EDGE,
    setup: migratedSchema,
    prepare: companyMembers,
    baseline: EXPRESS_MEMBERS,
    targets: [{ against: EXPRESS_MEMBERS, atLeast: 1.5 }],
  },
  {
    name: "GET /api/v1/companies/{id}/members (postgres + redis, an API key)",
    target: "rampart",
    path: "/api/v1/companies/{id}/members",
    env: PRODUCTION_EDGE,
    setup: migratedSchema,
    prepare: apiKeyMembers,
    baseline: EXPRESS_MEMBERS_KEY,
    targets: [{ against: EXPRESS_MEMBERS_KEY, atLeast: 1.5 }],
  },
  // Password work at its cap: as many connections as argon2 computations may run at once.
  {
    name: "POST /api/v1/auth/login (sqlite, argon2id at its concurrency cap)",
    target: "rampart",
    path: "/api/v1/auth/login",
    method: "POST",
    connections: MAX_CONCURRENT_ARGON2,
    // The per-account login limit too: one account signs in over and over.
    env: { RATE_LIMIT_AUTH: GENEROUS, RATE_LIMIT_PUBLIC: GENEROUS, RATE_LIMIT_AUTH_ACCOUNT: GENEROUS },
    prepare: loginRequest,
  },
  {
    name: "POST /api/v1/auth/register (sqlite, argon2id at its concurrency cap)",
    target: "rampart",
    path: "/api/v1/auth/register",
    method: "POST",
    body: JSON.stringify({ email: "bench-[<id>]@example.com", password: "bench-passphrase-violet-42", name: "Bench" }),
    connections: MAX_CONCURRENT_ARGON2,
    env: { RATE_LIMIT_AUTH: GENEROUS, RATE_LIMIT_PUBLIC: GENEROUS },
  },
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
