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
}
