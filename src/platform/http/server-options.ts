import type { Socket } from "node:net";
import type { FastifyInstance } from "fastify";
import type { Config } from "../../config/settings/index.ts";
import { parseTrustProxy, type TrustProxy } from "../../config/values/trust-proxy.ts";
import { sendFrameworkError } from "../errors/error-handler.ts";
import { handleClientError } from "./client-errors.ts";

export interface EdgeServerOptions {
  readonly trustProxy: TrustProxy;
  readonly bodyLimit: number;
  readonly requestTimeout: number;
  readonly keepAliveTimeout: number;
  readonly frameworkErrors: typeof sendFrameworkError;
  readonly clientErrorHandler: (this: FastifyInstance, error: NodeJS.ErrnoException, socket: Socket) => void;
  readonly http: {
    readonly requestTimeout: number;
    readonly headersTimeout: number;
    readonly connectionsCheckingInterval: number;
  };
}

/**
 * Fastify/node:http options for the connection-level limits. Node enforces the header
 * and request timeouts only when it sweeps its connections (every 30 s by default), so
 * a slowloris client could hold a socket far beyond HEADERS_TIMEOUT_MS; sweeping at
 * half the headers timeout (at most every 5 s) keeps the bound close to the setting.
 * A client that stops reading its answers is closed by the edge's sweep instead of a socket
 * inactivity timeout, which Node re-arms on every request (stalled-connections.ts).
 */
export function edgeServerOptions(config: Config): EdgeServerOptions {
  return {
    trustProxy: parseTrustProxy(config.TRUST_PROXY),
    bodyLimit: config.BODY_LIMIT,
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    keepAliveTimeout: config.KEEP_ALIVE_TIMEOUT_MS,
    clientErrorHandler: handleClientError,
    // Router errors (bad percent-encoding, an overlong path parameter) as problems too.
    frameworkErrors: sendFrameworkError,
    http: {
      requestTimeout: config.REQUEST_TIMEOUT_MS,
      headersTimeout: config.HEADERS_TIMEOUT_MS,
      connectionsCheckingInterval: Math.max(50, Math.min(5000, Math.floor(config.HEADERS_TIMEOUT_MS / 2))),
    },
  };
}
