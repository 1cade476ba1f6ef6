import type { Socket } from "node:net";
import type { FastifyInstance } from "fastify";

/**
 * How many pipelined requests may wait on one connection behind the one being answered.
 * A client that sends more without reading the answers is not a browser or a proxy (they
 * do not pipeline that deep): its connection is closed.
 */
export const MAX_QUEUED_REQUESTS = 16;

/** Requests waiting on each connection; only connections that pipeline have an entry. */
const waitingOn = new WeakMap<Socket, number>();

/**
 * Requests pipelined on one connection (HTTP/1.1) are processed one at a time, in order.
 * Node would run them all at once and keep every answer in memory until the client reads
 * the one before: a client that pipelines and never reads held hundreds of megabytes, and
 * pipelined writes (PATCH, DELETE) could apply in any order (RFC 9112 §9.3.2 allows
 * parallel processing for safe methods only). A request starts once the previous answer
 * has been handed to the kernel, so a client that does not read holds at most one answer,
 * and at most MAX_QUEUED_REQUESTS parsed requests, per connection.
 *
 * Node itself says when that is: a response gets its connection (`response.socket`, the
 * 'socket' event) only once every answer before it on that connection has finished. A
 * request on its own connection therefore pays one property read — no listener, closure
 * or map entry (issue #21: this hook ran on every request of the API).
 */
export function processPipelinedRequestsInOrder(app: FastifyInstance): void {
  app.addHook("onRequest", (request, reply, done) => {
    const response = reply.raw;
    if (response.socket !== null) return done();
    const socket = request.raw.socket;
    const waiting = waitingOn.get(socket) ?? 0;
    if (waiting >= MAX_QUEUED_REQUESTS) {
      waitingOn.delete(socket);
      socket.destroy();
      return;
    }
    waitingOn.set(socket, waiting + 1);
    response.once("socket", () => {
      const left = (waitingOn.get(socket) ?? 1) - 1;
      if (left > 0) waitingOn.set(socket, left);
      else waitingOn.delete(socket);
      done();
    });
  });
}
