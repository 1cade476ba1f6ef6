import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction, RouteOptions } from "fastify";
import type { Redis } from "ioredis";
import { Counter, type Registry } from "prom-client";
import type { Config } from "../../config/settings/index.ts";
import { commaList } from "../../config/values/list.ts";
import { parseTierSpec, TIER_NAMES, type TierLimits, type TierName } from "../../config/values/tiers.ts";
import { RateLimitedError } from "../errors/app-error.ts";
import { addRouteHook } from "../http/route-hooks.ts";
import type { Logger } from "../logging/logger.ts";
import { byClientIp, type RateLimitResolver, type RateLimitTarget, type RequestBudget } from "./client-key.ts";
import { rateLimitHeader, rateLimitPolicyHeader } from "./headers.ts";
import { createTierLimiter, type TierLimiter } from "./limiter.ts";
import { RedisFallback } from "./redis-fallback.ts";

declare module "fastify" {
  interface FastifyContextConfig {
    /** The route's rate-limit tier; routes without one are not limited. */
    rateLimit?: { readonly tier: TierName };
  }
}

export interface RateLimitDeps {
  readonly logger: Logger;
  readonly metrics: Registry;
  readonly redis: Redis | undefined;
}

/** After a Redis failure, how long limits are counted in memory before Redis is tried again. */
const REDIS_RETRY_AFTER_MS = 1000;

/** Each tier's limits from RATE_LIMIT_<TIER>. */
export function tierLimitsFrom(config: Config): Record<TierName, TierLimits> {
  const spec: Record<TierName, string> = {
    public: config.RATE_LIMIT_PUBLIC,
    user: config.RATE_LIMIT_USER,
    admin: config.RATE_LIMIT_ADMIN,
    ai: config.RATE_LIMIT_AI,
    webhook: config.RATE_LIMIT_WEBHOOK,
    auth: config.RATE_LIMIT_AUTH,
    refresh: config.RATE_LIMIT_REFRESH,
  };
  return Object.fromEntries(TIER_NAMES.map((t) => [t, parseTierSpec(spec[t])])) as Record<TierName, TierLimits>;
}

/** RATE_LIMIT_ROUTES ("GET /health=public,…") → "GET /health" → tier. */
function routeOverrides(value: string): Map<string, TierName> {
  return new Map(
    commaList(value).map((entry) => {
      const at = entry.lastIndexOf("=");
      return [entry.slice(0, at), entry.slice(at + 1) as TierName];
    }),
  );
}

/**
 * Tiered rate limiting. Runs at onRequest — before the body is read or parsed — so a
 * refused client costs us almost nothing. Every limited response carries the
 * RateLimit-Policy and RateLimit headers; a refusal is a 429 problem with Retry-After.
 */
export function installRateLimiting(
  app: FastifyInstance,
  config: Config,
  deps: RateLimitDeps,
  resolve: RateLimitResolver = byClientIp,
): void {
  if (!config.ENABLE_RATE_LIMITING) {
    if (config.APP_ENV === "production") {
      deps.logger.warn("rate limiting is disabled (ENABLE_RATE_LIMITING=false): nothing throttles abusive clients");
    }
    return;
  }
  const limits = tierLimitsFrom(config);
  const fallback = new RedisFallback(REDIS_RETRY_AFTER_MS, () =>
    deps.logger.warn("rate limits counted in process memory: redis unavailable or slower than its command timeout"),
  );
  const store = {
    redis: deps.redis ? { client: deps.redis, fallback } : undefined,
    keyPrefix: config.RATE_LIMIT_KEY_PREFIX,
  };
  const limiters = new Map<TierName, { limiter: TierLimiter; policy: string }>();
  for (const tier of TIER_NAMES) {
    const limiter = createTierLimiter(tier, limits[tier], store);
    limiters.set(tier, { limiter, policy: rateLimitPolicyHeader(limiter.windows) });
  }
  const rejections = new Counter({
    name: "rampart_rate_limit_rejections_total",
    help: "Requests refused with 429 by the rate limiter, per tier.",
    labelNames: ["tier"],
    registers: [deps.metrics],
  });

  const overrides = routeOverrides(config.RATE_LIMIT_ROUTES);
  if (overrides.size > 0) {
    app.addHook("onRoute", (route: RouteOptions) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      // The HEAD twin Fastify adds to a GET route answers the same thing: same tier.
      const keys = methods.flatMap((m) => (m === "HEAD" ? ["HEAD", "GET"] : [m]).map((k) => `${k} ${route.url}`));
      const tier = keys.map((key) => overrides.get(key)).find((t) => t !== undefined);
      if (tier) route.config = { ...route.config, rateLimit: { tier } };
    });
  }

  addRouteHook(app, "onRequest", "rateLimit", (route) => {
    const budget = resolve(route);
    return budget === undefined ? undefined : (request, reply, done) => limitRequest(request, reply, done, budget);
  });

  function limitRequest(
    request: FastifyRequest,
    reply: FastifyReply,
    done: HookHandlerDoneFunction,
    budget: RequestBudget,
  ): void {
    const limit = (target: RateLimitTarget) => {
      const tier = limiters.get(target.tier);
      if (tier === undefined) return done(new Error(`unknown rate-limit tier ${target.tier}`));
      tier.limiter.consume(target.key).then(
        (decision) => {
          const headers = { "ratelimit-policy": tier.policy, ratelimit: rateLimitHeader(decision.windows) };
          if (decision.allowed) {
            reply.headers(headers);
            return done();
          }
          rejections.inc({ tier: target.tier });
          done(
            new RateLimitedError(
              decision.retryAfterSeconds,
              `Too many requests for the ${target.tier} tier; retry in ${Math.max(1, decision.retryAfterSeconds)} s.`,
              headers,
            ),
          );
        },
        (error: unknown) => {
          // Both Redis and the in-memory insurance failed: let the request through rather
          // than fail it — a limiter fault must not become an outage.
          request.log.error({ err: error }, "rate limiter failed; request allowed");
          done();
        },
      );
    };
    const target = budget(request);
    // Keying by caller may need a lookup; keying by IP stays synchronous on the hot path.
    if (target instanceof Promise) target.then(limit, done);
    else limit(target);
  }
}
