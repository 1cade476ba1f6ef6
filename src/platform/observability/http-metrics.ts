import type { FastifyInstance } from "fastify";
import { Gauge, type Registry } from "prom-client";
import { addRouteHook } from "../http/route-hooks.ts";
import { METRICS_PATH } from "./metrics-endpoint.ts";
import { type HistogramSeries, RequestHistogram } from "./request-duration-histogram.ts";
import { countRequestsInFlight } from "./requests-in-flight.ts";

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
  const inFlight = countRequestsInFlight(app);
  new Gauge({
    name: "rampart_http_requests_in_flight",
    help: "Requests received whose response has not finished (or been aborted) yet.",
    registers: [registry],
    collect() {
      this.set(inFlight.count());
    },
  });
  const seriesByKey = new Map<string, HistogramSeries>();
  const seriesFor = (method: string, statusCode: number, route: string): HistogramSeries => {
    const statusClass = `${Math.floor(statusCode / 100)}xx`;
    const key = `${method} ${statusClass} ${route}`;
    let series = seriesByKey.get(key);
    if (series === undefined) {
      series = duration.series(key, { method, route, status_class: statusClass });
      seriesByKey.set(key, series);
    }
    return series;
  };

  // Each route measures itself with its template known in advance: no `request.routeOptions`
  // (a new object per read) and no label key built and hashed per request (issue #21).
  // Scrapes are not measured: every dashboard's request rate would be the scrape rate when idle.
  addRouteHook(app, "onResponse", "httpMetrics", (route) => {
    if (route.url === METRICS_PATH) return undefined;
    const template = route.url;
    // This route's series by method (its HEAD twin shares this hook) and status class.
    const byMethod = new Map<string, (HistogramSeries | undefined)[]>();
    return (request, reply, done) => {
      const { method } = request;
      const statusCode = reply.statusCode;
      let byStatusClass = byMethod.get(method);
      if (byStatusClass === undefined) {
        byStatusClass = [];
        byMethod.set(method, byStatusClass);
      }
      const index = Math.floor(statusCode / 100);
      let series = byStatusClass[index];
      if (series === undefined) {
        series = seriesFor(method, statusCode, template);
        byStatusClass[index] = series;
      }
      series.observe(reply.elapsedTime / 1000);
      done();
    };
  });
  app.addHook("onResponse", (request, reply, done) => {
    inFlight.finished(request);
    // Requests no route matched (the not-found handler has no route hooks of its own).
    if (request.is404) seriesFor(request.method, reply.statusCode, UNMATCHED_ROUTE).observe(reply.elapsedTime / 1000);
    done();
  });
}
