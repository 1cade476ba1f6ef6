import { LRUCache } from "lru-cache";
import type { TierCounts } from "./tier-script.ts";

/**
 * Requests counted ahead in Redis for one key (tier-script.ts), served from process memory
 * until used up or until the minute or hour window they were counted in ends. A busy client
 * far from its limit then costs one Redis round trip per lease instead of one per request;
 * near the limit (fewer than LEASE_FLOOR left) every request is counted in Redis one by one.
 *
 * The next lease is counted ahead, in the background, once less than a whole lease of a key
 * is left (limiter.ts): a steady client then finds a lease ready and its requests do not
 * wait for Redis, only for their own work. Measured at 6,500 req/s of one key on a two-core
 * machine (docs/benchmarks.md): counting ahead at half a lease left came back too late for a
 * quarter of the requests, at a whole lease for 7–10 %; without counting ahead 40 % waited.
 *
 * A key's leases start at LEASE_SIZE requests and double, up to MAX_LEASE_SIZE, each time
 * the one counted ahead before was used up within GROW_WITHIN_MS: a client sending
 * thousands of requests a second costs a round trip every few tens of milliseconds, not
 * every 16 requests. Every round trip costs the process more than its wait: its objects
 * outlive the young generation's collections and fill the old one (docs/benchmarks.md,
 * tenth session).
 *
 * What this trades: every leased request is in Redis before it is served, so no instance
 * ever lets more than the limit through. Leases left unused when the client's next requests
 * go to other instances count as spent there — fewer than two of its leases per instance
 * (what was left of the one in use and the one counted ahead): 2 × LEASE_SIZE for most
 * clients, and at most 2 × MAX_LEASE_SIZE, about 200 ms of its own requests, for one that
 * grew its leases. And only while the client is more than LEASE_FLOOR requests from its
 * limit: the tier script never counts more than an eighth of what is left at once.
 */
export const LEASE_SIZE = 16;
export const MAX_LEASE_SIZE = 256;
export const LEASE_FLOOR = 64;
/**
 * Leases counted ahead this close together double the next one. Measured at 6,000 req/s
 * of one key on a two-core machine (docs/benchmarks.md): leases of 16 made 375 round trips
 * a second and 14 MB a round promoted to the old generation, leases of 256 23 and 6.7 MB.
 */
export const GROW_WITHIN_MS = 100;
/** A key not counted ahead for this long starts again from LEASE_SIZE. */
export const SHRINK_AFTER_MS = 1_000;
/** A lease is not used within this long of its window's end: that window's count is about to restart. */
const END_MARGIN_MS = 100;

interface Lease {
  left: number;
  /** What the minute and hour counters read for the next request served from the lease. */
  minuteConsumed: number;
  hourConsumed: number;
  readonly minuteEndsAt: number;
  readonly hourEndsAt: number;
}

/** A window's counter and time to live, as the tier script returns them. */
type Window = TierCounts["minute"];

/** One request's counts as Redis would have returned them, had it been counted alone. */
export interface LeasedCounts {
  readonly minute: { consumed: number; ttlMs: number };
  readonly hour: { consumed: number; ttlMs: number };
}

export interface LeaseBook {
  /** The counts for one more request of `key` from its lease, or undefined when there is none left. */
  take(key: string, now: number): LeasedCounts | undefined;
  /**
   * Keeps what a Redis call counted beyond the request that made it; returns that request's
   * own counts (the first of the lease).
   */
  keep(key: string, counts: TierCounts, now: number): TierCounts;
  /** Keeps every request a lease counted ahead (no request of its own among them); none counted marks the key as near its limit. */
  stock(key: string, counts: TierCounts, now: number): void;
  /** How many requests of this key its open leases can still serve (spent or ending ones included until taken). */
  left(key: string): number;
  /** Whether Redis last counted this key's requests one at a time (fewer than LEASE_FLOOR left). */
  nearLimit(key: string): boolean;
  /** How many requests this key's leases are counted in now: LEASE_SIZE unless grown. */
  leaseSize(key: string, now: number): number;
  /** Records that the key's next lease is being counted ahead; returns its size (twice the last within GROW_WITHIN_MS). */
  countingAhead(key: string, now: number): number;
  /** Forgets every lease (Redis failed: the fallback counts in memory from here). */
  clear(): void;
}

/** A key's lease size, and when its last lease was counted ahead. */
interface Growth {
  size: number;
  aheadAt: number;
}

export function createLeaseBook(maxKeys = 10_000): LeaseBook {
  // Several leases of one key can be open at once (counted by concurrent calls): used in turn.
  // Both made on the first Redis count, not at start: an LRUCache preallocates its `max`
  // slots, and the ~14 books of a server (two per tier) cost 20–40 ms of start-to-ready and
  // ~3 MiB of idle memory for tiers most processes never count in Redis (docs/benchmarks.md).
  let leases: LRUCache<string, Lease[]> | undefined;
  let single: LRUCache<string, true> | undefined;
  let growth: LRUCache<string, Growth> | undefined;
  /** The key's grown lease size, unless it was last counted ahead too long ago; `touch` keeps it among the maxKeys. */
  const current = (key: string, now: number, touch = false) => {
    const grown = touch ? growth?.get(key) : growth?.peek(key);
    return grown !== undefined && now - grown.aheadAt <= SHRINK_AFTER_MS ? grown : undefined;
  };
  /** Opens a lease of the `n` requests Redis counted (`minute` and `hour` read after all of them), `used` of them already served; returns the first one's counts. */
  const openLease = (key: string, n: number, minute: Window, hour: Window, now: number, used: number) => {
    single?.delete(key);
    const minuteFirst = minute.consumed - n + 1;
    const hourFirst = hour.consumed - n + 1;
    const lease = {
      left: n - used,
      minuteConsumed: minuteFirst + used,
      hourConsumed: hourFirst + used,
      minuteEndsAt: now + minute.ttlMs,
      hourEndsAt: now + hour.ttlMs,
    };
    leases ??= new LRUCache({ max: maxKeys });
    const opened = leases.get(key);
    if (opened === undefined) leases.set(key, [lease]);
    else opened.push(lease);
    return { minute: minuteFirst, hour: hourFirst };
  };
  return {
    take(key, now) {
      if (leases === undefined) return undefined;
      const open = leases.get(key);
      if (open === undefined) return undefined;
      let lease = open[0];
      while (
        lease !== undefined &&
        (lease.left <= 0 || now >= Math.min(lease.minuteEndsAt, lease.hourEndsAt) - END_MARGIN_MS)
      ) {
        open.shift();
        lease = open[0];
      }
      if (lease === undefined) {
        leases.delete(key);
        return undefined;
      }
      lease.left--;
      return {
        minute: { consumed: lease.minuteConsumed++, ttlMs: lease.minuteEndsAt - now },
        hour: { consumed: lease.hourConsumed++, ttlMs: lease.hourEndsAt - now },
      };
    },
    nearLimit(key) {
      return single?.has(key) ?? false;
    },
    keep(key, counts, now) {
      const n = counts.counted;
      if (n <= 1 || counts.hour === undefined) {
        single ??= new LRUCache({ max: maxKeys });
        single.set(key, true);
        return counts;
      }
      // Redis returned the counters after all n; this request is the first of them.
      const first = openLease(key, n, counts.minute, counts.hour, now, 1);
      return {
        counted: 1,
        minute: { consumed: first.minute, ttlMs: counts.minute.ttlMs },
        hour: { consumed: first.hour, ttlMs: counts.hour.ttlMs },
      };
    },
    stock(key, counts, now) {
      if (counts.counted >= 1 && counts.hour !== undefined) {
        openLease(key, counts.counted, counts.minute, counts.hour, now, 0);
        return;
      }
      // No lease to give: the key is near its limit, and its requests are counted one by one.
      single ??= new LRUCache({ max: maxKeys });
      single.set(key, true);
    },
    left(key) {
      let left = 0;
      for (const lease of leases?.peek(key) ?? []) left += Math.max(0, lease.left);
      return left;
    },
    leaseSize(key, now) {
      return current(key, now)?.size ?? LEASE_SIZE;
    },
    countingAhead(key, now) {
      const grown = current(key, now, true);
      if (grown === undefined) {
        growth ??= new LRUCache({ max: maxKeys });
        growth.set(key, { size: LEASE_SIZE, aheadAt: now });
        return LEASE_SIZE;
      }
      if (now - grown.aheadAt < GROW_WITHIN_MS) grown.size = Math.min(2 * grown.size, MAX_LEASE_SIZE);
      grown.aheadAt = now;
      return grown.size;
    },
    clear() {
      leases?.clear();
      single?.clear();
      growth?.clear();
    },
  };
}
