import type { Redis } from "ioredis";
import { Gauge, type Registry } from "prom-client";

// Every status an ioredis client reports; the gauge exports all of them so a query can rely on each series existing.
const REDIS_STATES = ["wait", "connecting", "connect", "ready", "reconnecting", "close", "end"] as const;

/** `rampart_redis_connection_state{state}`: 1 for the client's current state, 0 for the others; read at scrape time. */
export function registerRedisMetrics(registry: Registry, redis: Redis): void {
  new Gauge({
    name: "rampart_redis_connection_state",
    help: "State of the shared Redis connection: 1 for the current state (ready = usable), 0 for the others.",
    labelNames: ["state"] as const,
    registers: [registry],
    collect() {
      for (const state of REDIS_STATES) this.set({ state }, redis.status === state ? 1 : 0);
    },
  });
}
