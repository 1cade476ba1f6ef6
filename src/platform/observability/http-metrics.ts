import type { FastifyInstance } from "fastify";
import { Gauge, Histogram, type Registry } from "prom-client";

/** Route label of requests no route matched: one label, so random paths cannot explode cardinality. */
export const UNMATCHED_ROUTE = "(unmatched)";

/**
 * Request duration by method, route template and status class, and requests in flight.
 * The route label is the template (`/api/v1/companies/:companyId`), never the raw URL.
 */
export function installHttpMetrics(app: FastifyInstance, registry: Registry): void {
  const duration = new Histogram({
    name: "rampart_http_request_duration_seconds",
    help: "Time from request received to response sent, by method, route template and status class.",
    labelNames: ["method", "route", "status_class"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  // A plain counter on the hot path, read into the gauge only when scraped.
  let inFlight = 0;
  const finished = () => {
    inFlight--;
  };
  new Gauge({
    name: "rampart_http_requests_in_flight",
    help: "Requests received whose response has not finished (or been aborted) yet.",
    registers: [registry],
    collect() {
      this.set(inFlight);
    },
  });
  // labels() validates and allocates on every call; the child of each label combination is kept instead.
  const children = new Map<string, Histogram.Internal<"method" | "route" | "status_class">>();

  app.addHook("onRequest", (_request, reply, done) => {
    inFlight++;
    // 'close' fires once per response, whether it finished or the client went away first.
    // One shared listener function: no closure allocated per request.
    reply.raw.on("close", finished);
    done();
  });
  app.addHook("onResponse", (request, reply, done) => {
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    const statusClass = `${Math.floor(reply.statusCode / 100)}xx`;
    const key = `${request.method} ${statusClass} ${route}`;
    let child = children.get(key);
    if (child === undefined) {
      child = duration.labels(request.method, route, statusClass);
      children.set(key, child);
    }
    child.observe(reply.elapsedTime / 1000);
    done();
  });
}
