import type { Socket } from "node:net";
import type { FastifyInstance } from "fastify";

/**
 * How many pipelined requests may wait on one connection behind the one being answered.
 * A client that sends more without reading the answers is not a browser or a proxy (they
 * do not pipeline that deep): its connection is closed.
 */
export const MAX_QUEUED_REQUESTS = 16;

interface Line {
  busy: boolean;
  readonly waiting: (() => void)[];
}

const lines = new WeakMap<Socket, Line>();

/**
 * Requests pipelined on one connection (HTTP/1.1) are processed one at a time, in order.
 * Node would run them all at once and keep every answer in memory until the client reads
 * the one before: a client that pipelines and never reads held hundreds of megabytes, and
 * pipelined writes (PATCH, DELETE) could apply in any order (RFC 9112 §9.3.2 allows
 * parallel processing for safe methods only). A request starts once the previous answer
 * has been handed to the kernel (its response 'close'), so a client that does not read
 * holds at most one answer, and at most MAX_QUEUED_REQUESTS parsed requests, per connection.
 * A request on its own connection pays one WeakMap lookup.
 */
export function processPipelinedRequestsInOrder(app: FastifyInstance): void {
  app.addHook("onRequest", (request, reply, done) => {
    const socket = request.raw.socket;
    let line = lines.get(socket);
    if (line === undefined) {
      line = { busy: false, waiting: [] };
      lines.set(socket, line);
    }
    const self = line;
    reply.raw.once("close", () => {
      const next = self.waiting.shift();
      if (next) next();
      else self.busy = false;
    });
    if (!self.busy) {
      self.busy = true;
      return done();
    }
    if (self.waiting.length >= MAX_QUEUED_REQUESTS) {
      self.waiting.length = 0;
      socket.destroy();
      return;
    }
    self.waiting.push(done);
  });
}
