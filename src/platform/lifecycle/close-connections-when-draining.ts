import type { FastifyInstance } from "fastify";
import type { Lifecycle } from "./lifecycle.ts";

/**
 * From the first moment of shutdown every response says `Connection: close`, so a proxy
 * (nginx upstream keepalive, a cloud load balancer) stops reusing its pooled connections to
 * this instance one by one while requests still succeed. Otherwise the listener closes with
 * idle pooled connections still open; closing them races the proxy writing a new request on
 * one, and the proxy answers 502 for a request it may not retry (a POST).
 */
export function closeConnectionsWhenDraining(app: FastifyInstance, lifecycle: Lifecycle): void {
  app.addHook("onSend", (_request, reply, payload, done) => {
    if (lifecycle.draining) reply.header("connection", "close");
    done(null, payload);
  });
}
