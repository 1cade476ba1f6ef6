import type { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { BURST_WINDOW_S, type TierLimits } from "../../config/values/tiers.ts";
import { InsuranceMemoryLimiter, type RedisFallback } from "./redis-fallback.ts";

/** One window of a tier, as the RateLimit headers describe it. */
export interface WindowState {
  readonly policy: string;
  readonly quota: number;
  readonly windowSeconds: number;
  /** Unknown when the window was not consulted for this request. */
  readonly remaining?: number;
  readonly resetSeconds?: number;
}

export interface Decision {
  readonly allowed: boolean;
  /** When refused: seconds until a request may succeed. */
  readonly retryAfterSeconds: number;
  readonly windows: readonly WindowState[];
}

export interface TierLimiter {
  readonly windows: readonly Omit<WindowState, "remaining" | "resetSeconds">[];
  consume(key: string): Promise<Decision>;
}

export interface LimiterStore {
  /** Shared counters; absent → process memory only. */
  readonly redis: { readonly client: Redis; readonly fallback: RedisFallback } | undefined;
  readonly keyPrefix: string;
}

interface Window {
  consume(key: string): Promise<RateLimiterRes>;
}

function fixedWindow(store: LimiterStore, name: string, points: number, duration: number): Window {
  const keyPrefix = `${store.keyPrefix}:${name}`;
  const redis = store.redis;
  if (!redis) return new RateLimiterMemory({ keyPrefix, points, duration });
  // Atomic counting shared by every instance. When Redis is down or slower than its
  // command timeout, the request is counted in memory instead (the insurance limiter):
  // limits stay on and nothing fails. While the fallback is active, memory is used
  // directly so requests do not each wait out a Redis timeout.
  const memory = new InsuranceMemoryLimiter({ keyPrefix, points, duration }, redis.fallback);
  const shared = new RateLimiterRedis({
    storeClient: redis.client,
    keyPrefix,
    points,
    duration,
    rejectIfRedisNotReady: true,
    insuranceLimiter: memory,
  });
  return { consume: (key) => (redis.fallback.active() ? memory.consume(key) : shared.consume(key)) };
}

interface Outcome {
  readonly allowed: boolean;
  readonly res: RateLimiterRes;
}

/** rate-limiter-flexible rejects with a RateLimiterRes when over the limit, with an Error when the store fails. */
async function take(limiter: Window, key: string): Promise<Outcome> {
  try {
    return { allowed: true, res: await limiter.consume(key) };
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return { allowed: false, res: rejection };
    throw rejection;
  }
}

const seconds = (ms: number) => Math.max(0, Math.ceil(ms / 1000));

/**
 * Enforces a tier's three limits together for one key: the minute window, the burst
 * allowance drawn on only once the minute window is spent, and the hour window. They
 * are checked in that order and a refused request stops there, so a client hammering
 * while refused does not also burn its hourly quota.
 */
export function createTierLimiter(tier: string, limits: TierLimits, store: LimiterStore): TierLimiter {
  const extra = limits.burst - limits.perMinute;
  const minute = fixedWindow(store, `${tier}:min`, limits.perMinute, 60);
  const burst = extra > 0 ? fixedWindow(store, `${tier}:burst`, extra, BURST_WINDOW_S) : undefined;
  const hour = fixedWindow(store, `${tier}:hour`, limits.perHour, 3600);
  const policy = {
    minute: { policy: `${tier}-min`, quota: limits.perMinute, windowSeconds: 60 },
    burst: { policy: `${tier}-burst`, quota: extra, windowSeconds: BURST_WINDOW_S },
    hour: { policy: `${tier}-hour`, quota: limits.perHour, windowSeconds: 3600 },
  };
  const state = (p: Omit<WindowState, "remaining" | "resetSeconds">, o: Outcome): WindowState => ({
    ...p,
    remaining: o.res.remainingPoints,
    resetSeconds: seconds(o.res.msBeforeNext),
  });

  return {
    windows: burst ? [policy.minute, policy.burst, policy.hour] : [policy.minute, policy.hour],
    async consume(key) {
      const m = await take(minute, key);
      const windows: WindowState[] = [state(policy.minute, m)];
      if (!m.allowed) {
        const b = burst ? await take(burst, key) : undefined;
        if (b) windows.push(state(policy.burst, b));
        if (!b?.allowed) return { allowed: false, retryAfterSeconds: seconds(m.res.msBeforeNext), windows };
      }
      const h = await take(hour, key);
      windows.push(state(policy.hour, h));
      return h.allowed
        ? { allowed: true, retryAfterSeconds: 0, windows }
        : { allowed: false, retryAfterSeconds: seconds(h.res.msBeforeNext), windows };
    },
  };
}
