import { createHash } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from "fastify";
import { Counter } from "prom-client";
import type { Config } from "../../config/settings/index.ts";
import { parseTierSpec } from "../../config/values/tiers.ts";
import { RateLimitedError } from "../errors/app-error.ts";
import { addRouteHook } from "../http/route-hooks.ts";
import { rateLimitHeader, rateLimitPolicyHeader } from "./headers.ts";
import { createTierLimiter } from "./limiter.ts";
import type { RateLimitDeps } from "./rate-limit.ts";
import { RedisFallback } from "./redis-fallback.ts";

interface AccountRateLimit {
  readonly scope: string;
  readonly accountOf: (request: FastifyRequest) => string | undefined | Promise<string | undefined>;
  /** Whose budget: a target account's (RATE_LIMIT_AUTH_ACCOUNT, the default) or a session's (RATE_LIMIT_REFRESH_SESSION). */
  readonly budget?: "account" | "session";
}

declare module "fastify" {
  interface FastifyContextConfig {
    /**
     * Credential routes: besides the per-IP tier, a budget per target account and `scope`.
     * `accountOf` returns the normalised account identifier (e.g. the email address)
     * from the validated request, or undefined when there is none. Each scope has its own
     * budget, so mail bombing an address through one route does not also block its sign-in.
     */
    accountRateLimit?: AccountRateLimit;
  }
}

const POLICY_NAMES = { account: "auth-account", session: "refresh-session" } as const;
const REDIS_RETRY_AFTER_MS = 1000;

/**
 * The key never holds the address itself: Redis keys show up in monitoring and dumps.
 * Same domain-separated SHA-256 on every instance, so the budget is shared.
 */
export function accountKey(scope: string, account: string): string {
  return `acct:${scope}:${createHash("sha256").update(`rampart-rate-limit-account:${account}`).digest("base64url")}`;
}

function appended(reply: FastifyReply, name: string, value: string): string {
  const existing = reply.getHeader(name);
  return existing ? `${String(existing)}, ${value}` : value;
}

/**
 * The per-account limit of credential routes (RATE_LIMIT_AUTH_ACCOUNT), on top of the
 * per-IP auth tier and the account lockout: a distributed attack on one account from many
 * addresses (credential stuffing, reset-mail bombing) is throttled even though no single IP
 * is. Runs at preHandler, because the account is in the validated body; the per-IP tier
 * has already refused floods at onRequest. Its windows join the RateLimit headers.
 */
export function installAccountRateLimiting(app: FastifyInstance, config: Config, deps: RateLimitDeps): void {
  if (!config.ENABLE_RATE_LIMITING) return;
  const fallback = new RedisFallback(REDIS_RETRY_AFTER_MS, () =>
    deps.logger.warn("account rate limits counted in process memory: redis unavailable or slower than its timeout"),
  );
  const store = {
    redis: deps.redis ? { client: deps.redis, fallback } : undefined,
    keyPrefix: config.RATE_LIMIT_KEY_PREFIX,
  };
  const budgets = {
    account: createTierLimiter(POLICY_NAMES.account, parseTierSpec(config.RATE_LIMIT_AUTH_ACCOUNT), store),
    session: createTierLimiter(POLICY_NAMES.session, parseTierSpec(config.RATE_LIMIT_REFRESH_SESSION), store),
  };
  const policies = {
    account: rateLimitPolicyHeader(budgets.account.windows),
    session: rateLimitPolicyHeader(budgets.session.windows),
  };
  const existing = deps.metrics.getSingleMetric("rampart_rate_limit_rejections_total");
  const rejections =
    existing instanceof Counter
      ? existing
      : new Counter({
          name: "rampart_rate_limit_rejections_total",
          help: "Requests refused with 429 by the rate limiter, per tier.",
          labelNames: ["tier"],
          registers: [deps.metrics],
        });

  addRouteHook(app, "preHandler", "accountRateLimit", (route) => {
    const perAccount = route.config?.accountRateLimit;
    return perAccount === undefined
      ? undefined
      : (request, reply, done) => limitAccount(request, reply, done, perAccount);
  });

  function limitAccount(
    request: FastifyRequest,
    reply: FastifyReply,
    done: HookHandlerDoneFunction,
    perAccount: AccountRateLimit,
  ): void {
    const budget = perAccount.budget ?? "account";
    Promise.resolve(perAccount.accountOf(request)).then((account) => {
      if (account === undefined) return done();
      consume(reply, done, budget, accountKey(perAccount.scope, account));
    }, done);
  }

  function consume(
    reply: FastifyReply,
    done: HookHandlerDoneFunction,
    budget: "account" | "session",
    key: string,
  ): void {
    const policy = policies[budget];
    budgets[budget].consume(key).then(
      (decision) => {
        const headers = {
          "ratelimit-policy": appended(reply, "ratelimit-policy", policy),
          ratelimit: appended(reply, "ratelimit", rateLimitHeader(decision.windows)),
        };
        if (decision.allowed) {
          reply.headers(headers);
          return done();
        }
        rejections.inc({ tier: POLICY_NAMES[budget] });
        const seconds = Math.max(1, decision.retryAfterSeconds);
        const whose = budget === "session" ? "this session" : "this account";
        done(
          new RateLimitedError(
            decision.retryAfterSeconds,
            `Too many requests for ${whose}; retry in ${seconds} s.`,
            headers,
          ),
        );
      },
      (error: unknown) => {
        // As with the tiers: a limiter fault must not become an outage of sign-in.
        reply.request.log.error({ err: error }, "account rate limiter failed; request allowed");
        done();
      },
    );
  }
}
