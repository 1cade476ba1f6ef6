import { Counter, type Registry } from "prom-client";

export interface CacheMetrics {
  readonly hits: Counter<"layer" | "namespace">;
  readonly misses: Counter<"namespace">;
  readonly errors: Counter<"operation">;
}

/** Reuses a metric already in the registry, so two caches on one registry (tests) do not clash. */
function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: L[]): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<L>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

export function createCacheMetrics(registry: Registry): CacheMetrics {
  return {
    hits: counter(registry, "rampart_cache_hits_total", "Cache lookups answered from a cache layer", [
      "layer",
      "namespace",
    ]),
    misses: counter(registry, "rampart_cache_misses_total", "Cache lookups that found nothing (or Redis failed)", [
      "namespace",
    ]),
    errors: counter(registry, "rampart_cache_errors_total", "Redis cache commands that failed or timed out", [
      "operation",
    ]),
  };
}
