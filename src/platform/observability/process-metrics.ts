import { collectDefaultMetrics, type Metric, Registry } from "prom-client";

let processMetrics: Metric[] | undefined;

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
    processMetrics = own.getMetricsAsArray() as unknown as Metric[];
  }
  for (const metric of processMetrics) registry.registerMetric(metric);
}
