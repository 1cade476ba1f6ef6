import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Histogram, Registry } from "prom-client";
import { RequestHistogram } from "../../../src/platform/observability/request-duration-histogram.ts";

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const OBSERVATIONS: [Record<string, string>, number][] = [
  [{ method: "GET", route: "/health", status_class: "2xx" }, 0.0004],
  [{ method: "GET", route: "/health", status_class: "2xx" }, 0.005], // on a bound: counted in that bucket (le)
  [{ method: "GET", route: "/health", status_class: "2xx" }, 0.0051],
  [{ method: "GET", route: "/health", status_class: "2xx" }, 12], // above every bound: +Inf only
  [{ method: "POST", route: "/api/v1/companies", status_class: "4xx" }, 0.3],
  [{ method: "POST", route: "/api/v1/companies", status_class: "4xx" }, 2.5],
  [{ method: "GET", route: '/a"b\\c', status_class: "5xx" }, 0.02], // label values needing escapes
];

const keyOf = (labels: Record<string, string>) => JSON.stringify(labels);

describe("request duration histogram", () => {
  it("exposes exactly what prom-client's Histogram exposes for the same observations", async () => {
    const ours = new Registry();
    const histogram = new RequestHistogram({ name: "demo_seconds", help: "Demo.", buckets: BUCKETS });
    histogram.registerOn(ours);
    const theirs = new Registry();
    const reference = new Histogram({
      name: "demo_seconds",
      help: "Demo.",
      labelNames: ["method", "route", "status_class"],
      buckets: BUCKETS,
      registers: [theirs],
    });
    for (const [labels, value] of OBSERVATIONS) {
      histogram.series(keyOf(labels), labels).observe(value);
      reference.observe(labels, value);
    }
    const expected = await theirs.metrics();
    assert.match(expected, /demo_seconds_bucket\{le="0.005",method="GET",route="\/health",status_class="2xx"\} 2/);
    assert.equal(await ours.metrics(), expected);
  });

  it("keeps counting in a series the caller holds, and reset empties it without dropping it", async () => {
    const registry = new Registry();
    const histogram = new RequestHistogram({ name: "demo_seconds", help: "Demo.", buckets: [1] });
    histogram.registerOn(registry);
    const series = histogram.series("k", { route: "/x" });
    series.observe(0.5);
    series.observe(3);
    assert.match(await registry.metrics(), /demo_seconds_count\{route="\/x"\} 2/);
    registry.resetMetrics();
    series.observe(0.5);
    const text = await registry.metrics();
    assert.match(text, /demo_seconds_bucket\{le="1",route="\/x"\} 1/);
    assert.match(text, /demo_seconds_sum\{route="\/x"\} 0.5/);
    assert.match(text, /demo_seconds_count\{route="\/x"\} 1/);
  });
});
