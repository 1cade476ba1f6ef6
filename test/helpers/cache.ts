import type { Registry } from "prom-client";
import type { CacheOptions } from "../../src/platform/cache/contract.ts";

/** Cache options for a test: a unique key prefix per call, so suites sharing one Redis never see each other's keys. */
export function testCacheOptions(overrides: Partial<CacheOptions> = {}): CacheOptions {
  return {
    enabled: true,
    localMaxEntries: 1000,
    localTtlMs: 5000,
    keyPrefix: `test:cache:${process.pid}:${Math.random().toString(36).slice(2, 10)}`,
    subscribeTimeoutMs: 2000,
    repeatInvalidationAfterMs: 200,
    ...overrides,
  };
}

/** The value of a counter as Prometheus would scrape it, summed over the series matching `labels`. */
export async function counterValue(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want))
    .reduce((sum, v) => sum + v.value, 0);
}
