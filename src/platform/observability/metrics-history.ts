import type { Registry } from "prom-client";

const DURATION = "rampart_http_request_duration_seconds";
const REJECTIONS = "rampart_rate_limit_rejections_total";

/** One reading of the counters that the console's charts need, cumulative since start. */
interface Snapshot {
  readonly at: number;
  readonly requests: number;
  readonly errors: number;
  /** Cumulative bucket counts by upper bound (seconds; Infinity last), summed over every series. */
  readonly buckets: ReadonlyMap<number, number>;
  readonly rejections: ReadonlyMap<string, number>;
}

/** One interval between two snapshots, as the charts draw it. */
export interface MetricsPoint {
  readonly at: string;
  readonly requestsPerSecond: number;
  /** 5xx answers over all answers in the interval, 0 when there were none. */
  readonly errorRate: number;
  /** Estimated like Prometheus' histogram_quantile: linear inside the bucket; null without requests. */
  readonly p95Ms: number | null;
  /** 429s in the interval, per rate-limit tier. */
  readonly rateLimited: Readonly<Record<string, number>>;
}

export interface MetricsHistory {
  readonly intervalSeconds: number;
  points(): Promise<MetricsPoint[]>;
  start(): void;
  stop(): void;
}

interface ValueEntry {
  readonly metricName?: string;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly value: number;
}

async function valuesOf(registry: Registry, name: string): Promise<readonly ValueEntry[]> {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) return [];
  return ((await metric.get()) as { values: ValueEntry[] }).values;
}

/** Reads only the two metrics it needs (not the whole registry, whose collectors query the database). */
async function snapshot(registry: Registry, at: number): Promise<Snapshot> {
  let requests = 0;
  let errors = 0;
  const buckets = new Map<number, number>();
  for (const entry of await valuesOf(registry, DURATION)) {
    if (entry.metricName === `${DURATION}_count`) {
      requests += entry.value;
      if (entry.labels.status_class === "5xx") errors += entry.value;
    } else if (entry.metricName === `${DURATION}_bucket`) {
      const le = entry.labels.le === "+Inf" ? Number.POSITIVE_INFINITY : Number(entry.labels.le);
      buckets.set(le, (buckets.get(le) ?? 0) + entry.value);
    }
  }
  const rejections = new Map<string, number>();
  for (const entry of await valuesOf(registry, REJECTIONS)) {
    const tier = String(entry.labels.tier ?? "unknown");
    rejections.set(tier, (rejections.get(tier) ?? 0) + entry.value);
  }
  return { at, requests, errors, buckets, rejections };
}

/** The 95th percentile of the requests between two snapshots, in milliseconds. */
export function p95Between(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>): number | null {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const deltas = bounds.map((le) => (after.get(le) ?? 0) - (before.get(le) ?? 0));
  const total = deltas.at(-1) ?? 0;
  if (total <= 0) return null;
  const rank = 0.95 * total;
  let lower = 0;
  let below = 0;
  for (let i = 0; i < bounds.length; i++) {
    const le = bounds[i] as number;
    const count = deltas[i] as number;
    if (count >= rank) {
      // Above the last finite bound the estimate is that bound, as Prometheus does.
      if (!Number.isFinite(le)) return lower * 1000;
      const inBucket = count - below;
      const share = inBucket === 0 ? 1 : (rank - below) / inBucket;
      return (lower + (le - lower) * share) * 1000;
    }
    lower = Number.isFinite(le) ? le : lower;
    below = count;
  }
  return lower * 1000;
}

/**
 * This instance's request rate, error rate, p95 and 429s per tier over the last
 * `windowSeconds`, for the console's live charts: a snapshot of the registry's cumulative
 * counters every `intervalSeconds`, kept in a ring in memory (91 small maps for 15 minutes),
 * differenced on read. Per instance, like the registry itself; Prometheus remains the place
 * for fleet-wide history.
 */
export function createMetricsHistory(
  registry: Registry,
  options: {
    readonly intervalSeconds?: number;
    readonly windowSeconds?: number;
    /** Wall-clock milliseconds: rates are per real second even when the app's clock is a test's. */
    readonly now?: () => number;
  } = {},
): MetricsHistory {
  const now = options.now ?? Date.now;
  const intervalSeconds = options.intervalSeconds ?? 10;
  const keep = Math.ceil((options.windowSeconds ?? 900) / intervalSeconds) + 1;
  const ring: Snapshot[] = [];
  let timer: ReturnType<typeof setInterval> | undefined;
  const take = async () => {
    ring.push(await snapshot(registry, now()));
    if (ring.length > keep) ring.shift();
  };
  return {
    intervalSeconds,
    async points() {
      // The interval still running is included up to now, so a chart is never a full interval late.
      const all = [...ring, await snapshot(registry, now())];
      const points: MetricsPoint[] = [];
      for (let i = 1; i < all.length; i++) {
        const a = all[i - 1] as Snapshot;
        const b = all[i] as Snapshot;
        const seconds = Math.max((b.at - a.at) / 1000, 0.001);
        const requests = b.requests - a.requests;
        const rateLimited: Record<string, number> = {};
        for (const [tier, value] of b.rejections) rateLimited[tier] = value - (a.rejections.get(tier) ?? 0);
        points.push({
          at: new Date(b.at).toISOString(),
          requestsPerSecond: requests / seconds,
          errorRate: requests > 0 ? (b.errors - a.errors) / requests : 0,
          p95Ms: p95Between(a.buckets, b.buckets),
          rateLimited,
        });
      }
      return points;
    },
    start() {
      if (timer !== undefined) return;
      void take();
      timer = setInterval(() => void take(), intervalSeconds * 1000);
      // Never what keeps the process alive.
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
