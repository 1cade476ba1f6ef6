import type { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { BURST_WINDOW_S, type TierLimits } from "../../config/values/tiers.ts";
import { createLeaseBook, LEASE_FLOOR } from "./lease.ts";
import type { RedisFallback } from "./redis-fallback.ts";
import { consumeTierInRedis } from "./tier-script.ts";

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

interface Outcome {
  readonly allowed: boolean;
  readonly remaining: number;
  readonly msBeforeNext: number;
}

/** rate-limiter-flexible rejects with a RateLimiterRes when over the limit. */
async function take(limiter: Window, key: string): Promise<Outcome> {
  try {
    const res = await limiter.consume(key);
    return { allowed: true, remaining: res.remainingPoints, msBeforeNext: res.msBeforeNext };
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) {
      return { allowed: false, remaining: rejection.remainingPoints, msBeforeNext: rejection.msBeforeNext };
    }
    throw rejection;
  }
}

/** A window's outcome from the count Redis returned, as rate-limiter-flexible computes it. */
function counted(points: number, window: { consumed: number; ttlMs: number }): Outcome {
  return {
    allowed: window.consumed <= points,
    remaining: Math.max(0, points - window.consumed),
    msBeforeNext: Math.max(0, window.ttlMs),
  };
}

const seconds = (ms: number) => Math.max(0, Math.ceil(ms / 1000));

/** The outcomes of a tier's windows for one request: hour and burst absent when not consulted. */
interface TierOutcome {
  readonly minute: Outcome;
  readonly burst?: Outcome;
  readonly hour?: Outcome;
}

/**
 * Enforces a tier's three limits together for one key: the minute window, the burst
 * allowance drawn on only once the minute window is spent, and the hour window. They
 * are checked in that order and a refused request stops there, so a client hammering
 * while refused does not also burn its hourly quota.
 *
 * With Redis the three are counted in one round trip by a script (tier-script.ts), shared
 * by every instance; a client far from its limit is counted a lease of requests at a time
 * (lease.ts), so most of its requests need no round trip at all. When Redis fails or is slower than its command timeout, the request
 * is counted in process memory instead and, for the fallback's cool-down, the following
 * ones too, so requests do not each wait out a Redis timeout: limits stay on and nothing
 * fails.
 */
export function createTierLimiter(tier: string, limits: TierLimits, store: LimiterStore): TierLimiter {
  const extra = limits.burst - limits.perMinute;
  const spec = {
    minute: { keyPrefix: `${store.keyPrefix}:${tier}:min`, points: limits.perMinute, durationSeconds: 60 },
    burst:
      extra > 0
        ? { keyPrefix: `${store.keyPrefix}:${tier}:burst`, points: extra, durationSeconds: BURST_WINDOW_S }
        : undefined,
    hour: { keyPrefix: `${store.keyPrefix}:${tier}:hour`, points: limits.perHour, durationSeconds: 3600 },
  };
  const memoryWindow = (w: { keyPrefix: string; points: number; durationSeconds: number }): Window =>
    new RateLimiterMemory({ keyPrefix: w.keyPrefix, points: w.points, duration: w.durationSeconds });
  const memory = {
    minute: memoryWindow(spec.minute),
    burst: spec.burst ? memoryWindow(spec.burst) : undefined,
    hour: memoryWindow(spec.hour),
  };
  const policy = {
    minute: { policy: `${tier}-min`, quota: limits.perMinute, windowSeconds: 60 },
    burst: { policy: `${tier}-burst`, quota: extra, windowSeconds: BURST_WINDOW_S },
    hour: { policy: `${tier}-hour`, quota: limits.perHour, windowSeconds: 3600 },
  };

  async function inMemory(key: string): Promise<TierOutcome> {
    const minute = await take(memory.minute, key);
    if (!minute.allowed) {
      const burst = memory.burst ? await take(memory.burst, key) : undefined;
      if (!burst?.allowed) return { minute, ...(burst ? { burst } : {}) };
      return { minute, burst, hour: await take(memory.hour, key) };
    }
    return { minute, hour: await take(memory.hour, key) };
  }

  const leases = createLeaseBook();
  const leaseCalls = new Map<string, Promise<void>>();

  async function inRedis(redis: NonNullable<LimiterStore["redis"]>, key: string): Promise<TierOutcome> {
    if (redis.fallback.active()) return inMemory(key);
    // Concurrent requests of one key wait for the lease already being counted rather than
    // each counting a lease of its own — unless the key is near its limit, where every
    // request is counted alone and waiting would only queue them.
    for (;;) {
      const now = Date.now();
      const leased = leases.take(key, now);
      if (leased !== undefined) {
        if (leases.left(key) < leases.leaseSize(key, now) && !leaseCalls.has(key)) countAhead(redis, key, now);
        return { minute: counted(spec.minute.points, leased.minute), hour: counted(spec.hour.points, leased.hour) };
      }
      const pending = leaseCalls.get(key);
      if (pending === undefined || leases.nearLimit(key)) break;
      await pending;
    }
    const now = Date.now();
    const call = consumeTierInRedis(redis.client, key, spec, { size: leases.leaseSize(key, now), floor: LEASE_FLOOR });
    const settled = call.then(
      () => undefined,
      () => undefined,
    );
    if (!leaseCalls.has(key)) leaseCalls.set(key, settled);
    let counts: Awaited<ReturnType<typeof consumeTierInRedis>>;
    try {
      counts = leases.keep(key, await call, now);
    } catch {
      redis.fallback.tripped();
      leases.clear();
      return inMemory(key);
    } finally {
      if (leaseCalls.get(key) === settled) leaseCalls.delete(key);
    }
    return {
      minute: counted(spec.minute.points, counts.minute),
      ...(counts.burst && spec.burst ? { burst: counted(spec.burst.points, counts.burst) } : {}),
      ...(counts.hour ? { hour: counted(spec.hour.points, counts.hour) } : {}),
    };
  }

  /**
   * Counts the key's next lease in the background while its current one still serves: its
   * requests then find a lease ready instead of waiting for Redis at the end of every lease.
   * Requests that run out before it is back wait for it, as for any lease being counted.
   */
  function countAhead(redis: NonNullable<LimiterStore["redis"]>, key: string, now: number) {
    const size = leases.countingAhead(key, now);
    const call = consumeTierInRedis(redis.client, key, spec, { size, floor: LEASE_FLOOR, leaseOnly: true }).then(
      (counts) => leases.stock(key, counts, now),
      () => {
        redis.fallback.tripped();
        leases.clear();
      },
    );
    leaseCalls.set(key, call);
    void call.finally(() => {
      if (leaseCalls.get(key) === call) leaseCalls.delete(key);
    });
  }

  const state = (p: Omit<WindowState, "remaining" | "resetSeconds">, o: Outcome): WindowState => ({
    ...p,
    remaining: o.remaining,
    resetSeconds: seconds(o.msBeforeNext),
  });

  return {
    windows: spec.burst ? [policy.minute, policy.burst, policy.hour] : [policy.minute, policy.hour],
    async consume(key) {
      const outcome = store.redis ? await inRedis(store.redis, key) : await inMemory(key);
      const windows: WindowState[] = [state(policy.minute, outcome.minute)];
      if (outcome.burst) windows.push(state(policy.burst, outcome.burst));
      // Refused by the minute window and the burst allowance: the hour window was not consulted.
      if (!outcome.hour) {
        return { allowed: false, retryAfterSeconds: seconds(outcome.minute.msBeforeNext), windows };
      }
      windows.push(state(policy.hour, outcome.hour));
      return outcome.hour.allowed
        ? { allowed: true, retryAfterSeconds: 0, windows }
        : { allowed: false, retryAfterSeconds: seconds(outcome.hour.msBeforeNext), windows };
    },
  };
}
