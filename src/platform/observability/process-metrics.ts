import { monitorEventLoopDelay } from "node:perf_hooks";
import { collectDefaultMetrics, Gauge, type Metric, Registry } from "prom-client";

let processMetrics: Metric[] | undefined;

/** How often the event-loop delay is sampled: prom-client's default, ~0.5 % of a core. */
const DELAY_RESOLUTION_MS = 10;

/**
 * Adds prom-client's default process metrics (CPU, memory, heap, handles, GC,
 * `nodejs_eventloop_lag_*`) to an app's registry. They are created once per process and
 * shared: the collectors install process-wide monitors (an event-loop delay histogram, a
 * GC observer) that prom-client offers no way to stop, so creating them per app would leak
 * one set per test app. The metric objects are registered on each app's own registry, never
 * on prom-client's global one.
 */
export function registerProcessMetrics(registry: Registry): void {
  if (processMetrics === undefined) {
    const own = new Registry();
    collectDefaultMetrics({ register: own });
    // Typed as plain descriptions, but they are the metric instances themselves.
    const defaults = own.getMetricsAsArray() as unknown as Metric[];
    const replaced = new Set(EVENT_LOOP_DELAY_STATS.map(([name]) => name));
    processMetrics = [...defaults.filter((m) => !replaced.has(nameOf(m))), ...eventLoopDelayGauges()];
  }
  for (const metric of processMetrics) registry.registerMetric(metric);
}

function nameOf(metric: Metric): string {
  return (metric as unknown as { name: string }).name;
}

type Histogram = ReturnType<typeof monitorEventLoopDelay>;

/** Name, help, how to read it, and whether it is a position (shifted by the interval) or a spread (not). */
const EVENT_LOOP_DELAY_STATS: readonly [string, string, (h: Histogram) => number, "position" | "spread"][] = [
  ["nodejs_eventloop_lag_min_seconds", "The minimum", (h) => h.min, "position"],
  ["nodejs_eventloop_lag_max_seconds", "The maximum", (h) => h.max, "position"],
  ["nodejs_eventloop_lag_mean_seconds", "The mean", (h) => h.mean, "position"],
  ["nodejs_eventloop_lag_stddev_seconds", "The standard deviation", (h) => h.stddev, "spread"],
  ["nodejs_eventloop_lag_p50_seconds", "The 50th percentile", (h) => h.percentile(50), "position"],
  ["nodejs_eventloop_lag_p90_seconds", "The 90th percentile", (h) => h.percentile(90), "position"],
  ["nodejs_eventloop_lag_p99_seconds", "The 99th percentile", (h) => h.percentile(99), "position"],
];

/**
 * prom-client's event-loop gauges under the same names, minus the sampling interval. Node's
 * histogram records each whole sampling interval — resolution plus delay — so prom-client's
 * read ~10 ms on an idle server while `/health/live` measures 0.15 ms, and an alert on them
 * misfires. The delay alone is what an operator means by lag. Since the last scrape, like
 * prom-client's: the histogram is reset after each read.
 */
function eventLoopDelayGauges(): Metric[] {
  const histogram = monitorEventLoopDelay({ resolution: DELAY_RESOLUTION_MS });
  histogram.enable();
  const resolutionNs = DELAY_RESOLUTION_MS * 1e6;
  const gauges: Gauge[] = [];
  // Read all seven at once, then reset: one window per scrape. Attached to the first gauge
  // only, which a scrape collects first (metrics are read in registration order).
  const snapshot = () => {
    for (const [index, [, , read, kind]] of EVENT_LOOP_DELAY_STATS.entries()) {
      const raw = histogram.count === 0 ? 0 : read(histogram);
      const delayNs = kind === "spread" ? raw : Math.max(0, raw - resolutionNs);
      gauges[index]?.set(Number.isFinite(delayNs) ? delayNs / 1e9 : 0);
    }
    histogram.reset();
  };
  for (const [index, [name, help]] of EVENT_LOOP_DELAY_STATS.entries()) {
    gauges.push(
      new Gauge({
        name,
        help: `${help} of the event-loop delay since the last scrape, in seconds (the sampling interval excluded).`,
        registers: [],
        ...(index === 0 ? { collect: snapshot } : {}),
      }),
    );
  }
  return gauges as unknown as Metric[];
}
