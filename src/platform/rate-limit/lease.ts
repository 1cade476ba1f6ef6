import { LRUCache } from "lru-cache";
import type { TierCounts } from "./tier-script.ts";

/**
 * Requests counted ahead in Redis for one key (tier-script.ts), served from process memory
 * until used up or until the minute or hour window they were counted in ends. A busy client
 * far from its limit then costs one Redis round trip per lease instead of one per request;
 * near the limit (fewer than LEASE_FLOOR left) every request is counted in Redis one by one.
 *
 * What this trades: every leased request is in Redis before it is served, so no instance
 * ever lets more than the limit through. A lease left unused when the client's next requests
 * go to other instances counts as spent there — at most LEASE_SIZE requests per instance,
 * and only while the client is more than LEASE_FLOOR requests from its limit.
 */
export const LEASE_SIZE = 16;
export const LEASE_FLOOR = 64;
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
  /** Whether Redis last counted this key's requests one at a time (fewer than LEASE_FLOOR left). */
  nearLimit(key: string): boolean;
  /** Forgets every lease (Redis failed: the fallback counts in memory from here). */
  clear(): void;
}

export function createLeaseBook(maxKeys = 10_000): LeaseBook {
  // Several leases of one key can be open at once (counted by concurrent calls): used in turn.
  // Both made on the first Redis count, not at start: an LRUCache preallocates its `max`
  // slots, and the ~14 books of a server (two per tier) cost 20–40 ms of start-to-ready and
  // ~3 MiB of idle memory for tiers most processes never count in Redis (docs/benchmarks.md).
  let leases: LRUCache<string, Lease[]> | undefined;
  let single: LRUCache<string, true> | undefined;
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
      single?.delete(key);
      // Redis returned the counters after all n; this request is the first of them.
      const minuteFirst = counts.minute.consumed - n + 1;
      const hourFirst = counts.hour.consumed - n + 1;
      const lease = {
        left: n - 1,
        minuteConsumed: minuteFirst + 1,
        hourConsumed: hourFirst + 1,
        minuteEndsAt: now + counts.minute.ttlMs,
        hourEndsAt: now + counts.hour.ttlMs,
      };
      leases ??= new LRUCache({ max: maxKeys });
      const open = leases.get(key);
      if (open === undefined) leases.set(key, [lease]);
      else open.push(lease);
      return {
        counted: 1,
        minute: { consumed: minuteFirst, ttlMs: counts.minute.ttlMs },
        hour: { consumed: hourFirst, ttlMs: counts.hour.ttlMs },
      };
    },
    clear() {
      leases?.clear();
      single?.clear();
    },
  };
}
