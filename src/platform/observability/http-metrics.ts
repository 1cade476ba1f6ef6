import type { FastifyInstance } from "fastify";
import { Gauge, type Registry } from "prom-client";
import { METRICS_PATH } from "./metrics-endpoint.ts";
import { type HistogramSeries, RequestHistogram } from "./request-duration-histogram.ts";

/** Route label of requests no route matched: one label, so random paths cannot explode cardinality. */
export const UNMATCHED_ROUTE = "(unmatched)";

/**
 * Request duration by method, route template and status class, and requests in flight.
 * The route label is the template (`/api/v1/companies/:companyId`), never the raw URL.
 */
export function installHttpMetrics(app: FastifyInstance, registry: Registry): void {
  const duration = new RequestHistogram({
    name: "rampart_http_request_duration_seconds",
    help: "Time from request received to response sent, by method, route template and status class.",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
  duration.registerOn(registry);
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
  const seriesByKey = new Map<string, HistogramSeries>();

  app.addHook("onRequest", (_request, reply, done) => {
    inFlight++;
    // 'close' fires once per response, whether it finished or the client went away first.
    // One shared listener function: no closure allocated per request.
    reply.raw.on("close", finished);
    done();
  });
  app.addHook("onResponse", (request, reply, done) => {
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    // Scrapes would make every dashboard's request rate the scrape rate when idle.
    if (route === METRICS_PATH) return done();
    const statusClass = `${Math.floor(reply.statusCode / 100)}xx`;
    const key = `${request.method} ${statusClass} ${route}`;
    let series = seriesByKey.get(key);
    if (series === undefined) {
      series = duration.series(key, { method: request.method, route, status_class: statusClass });
      seriesByKey.set(key, series);
    }
    series.observe(reply.elapsedTime / 1000);
    done();
  });
}
