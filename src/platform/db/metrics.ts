import { Gauge, type Registry } from "prom-client";
import type { DatabaseHandle } from "./connect.ts";

/** Pool occupancy, read at scrape time: a pool pinned at max with waiters is the first sign of trouble. */
export function registerDatabaseMetrics(registry: Registry, database: DatabaseHandle): void {
  new Gauge({
    name: "rampart_db_pool_connections",
    help: "PostgreSQL pool connections by state (total, idle, waiting requests, max)",
    labelNames: ["state"],
    registers: [registry],
    collect() {
      const stats = database.poolStats();
      if (!stats) return;
      this.set({ state: "total" }, stats.total);
      this.set({ state: "idle" }, stats.idle);
      this.set({ state: "waiting" }, stats.waiting);
      this.set({ state: "max" }, stats.max);
    },
  });
  // Counters read from the handle at scrape time are exposed as gauges of a monotonic total
  // (prom-client counters cannot be set); `rate()` and `increase()` work on them all the same.
  new Gauge({
    name: "rampart_db_unreachable",
    help: "1 while the PostgreSQL connection is lost (an incident is open), else 0",
    registers: [registry],
    collect() {
      const health = database.connectionHealth();
      if (health) this.set(health.unreachable ? 1 : 0);
    },
  });
  new Gauge({
    name: "rampart_db_connections_lost_total",
    help: "PostgreSQL connections lost or refused since the process started",
    registers: [registry],
    collect() {
      const health = database.connectionHealth();
      if (health) this.set(health.connectionsLost);
    },
  });
}
