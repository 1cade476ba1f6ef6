import type { Socket } from "node:net";
import type { FastifyInstance } from "fastify";

/** What a connection had written and still held to send when it was last seen moving. */
interface Progress {
  written: number;
  pending: number;
  queued: number;
  since: number;
}

/**
 * Bytes of the write in progress the kernel has not taken yet. One large answer is one write:
 * Node's own counters (writableLength, bytesWritten) stay still while the kernel drains it,
 * so only the handle's queue shows a slow reader still reading.
 */
function unsent(socket: Socket): number {
  return (socket as unknown as { _handle?: { writeQueueSize?: number } })._handle?.writeQueueSize ?? 0;
}

/**
 * Closes a connection whose answer has stopped going out for `stallMs`: a client that
 * stopped reading would otherwise hold its socket, and the answer buffered for it, for as
 * long as it stays connected. Connections are swept every quarter of `stallMs` (at most
 * every 5 s); a connection with nothing left to send is never stalled (an idle keep-alive
 * connection is Node's keepAliveTimeout's to close, a request still arriving its
 * requestTimeout's).
 *
 * Why not the socket inactivity timeout (Fastify's connectionTimeout, Node's server.timeout)
 * that did this before: Node re-arms it on every request — a new timer swapped with the
 * keep-alive one on each request and response, refreshed on each read and write — which
 * cost about a tenth of the CPU of an answer as small as GET /health (issue #21,
 * docs/benchmarks.md). The sweep costs nothing per request.
 */
export function closeStalledConnections(app: FastifyInstance, stallMs: number): void {
  const open = new Map<Socket, Progress>();
  app.server.on("connection", (socket: Socket) => {
    open.set(socket, { written: 0, pending: 0, queued: 0, since: 0 });
    socket.once("close", () => open.delete(socket));
  });
  const sweepMs = Math.max(50, Math.min(5000, Math.floor(stallMs / 4)));
  const sweep = setInterval(() => {
    const now = performance.now();
    for (const [socket, last] of open) {
      const pending = socket.writableLength;
      const written = socket.bytesWritten;
      const queued = unsent(socket);
      if (pending === 0 || pending !== last.pending || written !== last.written || queued !== last.queued) {
        last.pending = pending;
        last.written = written;
        last.queued = queued;
        last.since = now;
      } else if (now - last.since >= stallMs) {
        socket.destroy();
      }
    }
  }, sweepMs);
  sweep.unref();
  app.addHook("onClose", (_instance, done) => {
    clearInterval(sweep);
    done();
  });
}
