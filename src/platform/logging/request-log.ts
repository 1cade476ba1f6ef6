import type { FastifyInstance } from "fastify";
import type { Logger } from "./logger.ts";

/**
 * One line per request, after the response: method, route template, status, duration.
 * The path is logged without its query string because query strings carry tokens
 * (verification links, OAuth codes) more often than anyone expects.
 */
export function installRequestLogging(app: FastifyInstance, slowRequestMs: number): void {
  // Callback-style hook: cheaper than an async one on the hot path of every request.
  app.addHook("onResponse", (request, reply, done) => {
    const durationMs = Math.round(reply.elapsedTime * 100) / 100;
    const slow = durationMs > slowRequestMs;
    // Routes logged only when slow (probes) skip building a line nobody writes.
    if (!slow && !(request.log as Logger).isLevelEnabled("info")) return done();
    const line = {
      method: request.method,
      route: request.routeOptions.url ?? "(unmatched)",
      // What the client called (a legacy /api/... path is routed as its /api/v1 twin).
      path: request.originalUrl.split("?")[0],
      status: reply.statusCode,
      durationMs,
    };
    if (slow) request.log.warn({ ...line, slow: true }, "slow request");
    else request.log.info(line, "request completed");
    done();
  });
}
