import type { Metric, MetricValueWithName, Registry } from "prom-client";

/** One label combination: cumulative counts are computed at scrape time, not on every request. */
export interface HistogramSeries {
  observe(value: number): void;
}

interface SeriesState {
  readonly labels: Readonly<Record<string, string>>;
  /** counts[i]: observations that fell in bucket i (not cumulative); the last slot is +Inf. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

/** What a prom-client registry reads from a metric when it is scraped. */
interface Exposition {
  readonly name: string;
  readonly help: string;
  readonly type: "histogram";
  readonly aggregator: "sum";
  readonly values: MetricValueWithName<string>[];
}

export interface RequestHistogramOptions {
  readonly name: string;
  readonly help: string;
  readonly buckets: readonly number[];
}

/**
 * A Prometheus histogram for the request path, registered on a prom-client registry and
 * scraped with everything else. prom-client's own `observe` validates and hashes the label
 * set on every call (≈0.5 µs in a tight loop, more on a busy server, for each request);
 * here the caller resolves a series once per label combination and observing is a bucket
 * scan and three additions. The exposition is prom-client's (test/platform/observability/
 * request-duration-histogram.test.ts compares the two line by line).
 */
export class RequestHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = "histogram";
  readonly aggregator = "sum";
  readonly #bounds: Float64Array;
  readonly #series = new Map<string, SeriesState>();

  constructor(options: RequestHistogramOptions) {
    this.name = options.name;
    this.help = options.help;
    this.#bounds = Float64Array.from([...options.buckets].sort((a, b) => a - b));
  }

  /** The series of one label combination; `key` identifies it (callers keep the returned series). */
  series(key: string, labels: Readonly<Record<string, string>>): HistogramSeries {
    let state = this.#series.get(key);
    if (state === undefined) {
      state = { labels: { ...labels }, counts: new Float64Array(this.#bounds.length + 1), sum: 0, count: 0 };
      this.#series.set(key, state);
    }
    const bounds = this.#bounds;
    const target = state;
    return {
      observe(value: number) {
        let i = 0;
        while (i < bounds.length && value > (bounds[i] as number)) i++;
        target.counts[i] = (target.counts[i] as number) + 1;
        target.sum += value;
        target.count++;
      },
    };
  }

  /** Called by the registry when scraped: cumulative buckets, then sum and count, per series. */
  async get(): Promise<Exposition> {
    const values: MetricValueWithName<string>[] = [];
    for (const { labels, counts, sum, count } of this.#series.values()) {
      let cumulative = 0;
      for (let i = 0; i <= this.#bounds.length; i++) {
        cumulative += counts[i] as number;
        const le = i < this.#bounds.length ? (this.#bounds[i] as number) : "+Inf";
        values.push({ metricName: `${this.name}_bucket`, labels: { le, ...labels }, value: cumulative });
      }
      values.push({ metricName: `${this.name}_sum`, labels, value: sum });
      values.push({ metricName: `${this.name}_count`, labels, value: count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** Zeroes every series (callers keep theirs, so series are emptied rather than dropped). */
  reset(): void {
    for (const state of this.#series.values()) {
      state.counts.fill(0);
      state.sum = 0;
      state.count = 0;
    }
  }

  /** Registers on a prom-client registry, which only reads name, help, type, aggregator and get(). */
  registerOn(registry: Registry): void {
    registry.registerMetric(this as unknown as Metric);
  }
}
