import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { FastifyInstance, FastifySchema } from "fastify";
import type { Registry } from "prom-client";
import type { Logger } from "../logging/logger.ts";
import { http } from "../node-http.ts";

// Not part of the JSON API contract: no operationId, no OpenAPI entry (hide is read by the route contract check).
const HIDDEN = { hide: true } as FastifySchema;
const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;
export const METRICS_PATH = "/metrics";

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

/**
 * `GET /metrics` on the main port, for a scraper presenting `Authorization: Bearer <token>`.
 * Anyone else gets the very 404 an unknown route gets, so the endpoint's existence is not
 * disclosed. Digests of equal length are compared in constant time, so the comparison does
 * not leak how much of a guessed token is right.
 */
export function registerMetricsRoute(app: FastifyInstance, registry: Registry, token: string): void {
  const expected = digest(token);
  // A scrape every few seconds is not traffic: no info line per scrape (only slow or failed
  // ones, like the probes), and not counted in the request histogram (http-metrics.ts).
  app.get(METRICS_PATH, { schema: HIDDEN, logLevel: "warn" }, async (request, reply) => {
    const presented = BEARER.exec(request.headers.authorization ?? "")?.[1];
    if (presented === undefined || !timingSafeEqual(digest(presented), expected)) return reply.callNotFound();
    const body = await registry.metrics();
    return reply.header("cache-control", "no-store").type(registry.contentType).send(body);
  });
}

export interface MetricsListener {
  /** `http://host:port` once listening. */
  url(): string | undefined;
}

/**
 * A second, minimal HTTP server that serves only `GET /metrics`, without a token: it is
 * meant for a port reachable only from inside the cluster. It starts with the app and
 * closes with it.
 */
export function serveMetricsPort(
  app: FastifyInstance,
  registry: Registry,
  listen: { host: string; port: number },
  logger: Logger,
): MetricsListener {
  let server: Server | undefined;
  let url: string | undefined;
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== "GET" || req.url?.split("?")[0] !== "/metrics") {
      res.writeHead(404, { "content-type": "application/problem+json" });
      res.end(JSON.stringify({ type: "about:blank", title: "Not Found", status: 404, code: "route.not_found" }));
      return;
    }
    registry.metrics().then(
      (body) => {
        res.writeHead(200, { "content-type": registry.contentType, "cache-control": "no-store" });
        res.end(body);
      },
      (error: unknown) => {
        logger.error({ err: error }, "metrics collection failed");
        res.writeHead(500);
        res.end();
      },
    );
  };
  app.addHook("onReady", async () => {
    server = http.createServer(handler);
    const listening = server;
    await new Promise<void>((resolve, reject) => {
      listening.once("error", reject);
      listening.listen(listen.port, listen.host, () => resolve());
    });
    const address = listening.address() as AddressInfo;
    const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
    url = `http://${host}:${address.port}`;
    logger.info({ address: url }, "metrics listening");
  });
  app.addHook("onClose", async () => {
    if (server === undefined) return;
    const closing = server;
    await new Promise<void>((resolve) => {
      closing.close(() => resolve());
      // Scrapers keep connections alive; close them so shutdown is not held up by one.
      closing.closeAllConnections();
    });
    url = undefined;
  });
  return { url: () => url };
}
