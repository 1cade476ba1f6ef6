import type { FastifyInstance } from "fastify";
import type { Config } from "../../config/settings/index.ts";
import { commaList } from "../../config/values/list.ts";
import { drainRefusedBodies } from "./client-errors.ts";
import { installCompression } from "./compression.ts";
import { installCors } from "./cors.ts";
import { processPipelinedRequestsInOrder } from "./pipelining.ts";
import { installRequestFramingChecks } from "./request-framing.ts";
import { installSecurityHeaders } from "./security-headers.ts";
import { closeStalledConnections } from "./stalled-connections.ts";
import { installTrustedHosts } from "./trusted-hosts.ts";

/**
 * The HTTP edge every route inherits, in request order: pipelined requests wait for the
 * answer before theirs, ambiguous framing (duplicate Host, HTTP/1.0 chunked, encoded
 * bodies) and foreign hosts are refused, then CORS headers are decided (so even a refusal
 * further on is readable by an allowed browser origin); on the way out, security headers
 * and compression.
 * Body size, connection timeouts and malformed requests are server options
 * (server-options.ts); a refused body is drained before its connection closes.
 */
export function installHttpEdge(app: FastifyInstance, config: Config): void {
  processPipelinedRequestsInOrder(app);
  drainRefusedBodies(app.server);
  // Twice the request timeout, so that a request still arriving is cut by that timeout first, with its 408.
  closeStalledConnections(app, 2 * config.REQUEST_TIMEOUT_MS);
  installRequestFramingChecks(app);
  installTrustedHosts(app, { hosts: commaList(config.TRUSTED_HOSTS), healthAnyHost: config.HEALTH_ANY_HOST });
  installCors(app, {
    origins: commaList(config.CORS_ORIGINS),
    credentials: config.CORS_CREDENTIALS,
    maxAgeSeconds: config.CORS_MAX_AGE_S,
  });
  installSecurityHeaders(app, { hsts: config.APP_ENV === "production" });
  installCompression(app, config.COMPRESSION_THRESHOLD_BYTES);
}
