import { randomUUID } from "node:crypto";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { FastifyInstance } from "fastify";
import { AppError, BadRequestError, PayloadTooLargeError } from "../errors/app-error.ts";
import { PROBLEM_CONTENT_TYPE, toProblem } from "../errors/problem.ts";

/**
 * How long a connection we close after refusing a request keeps reading, and discarding,
 * what the client still sends. Closing at once while a proxy is still writing a body resets
 * the connection under it: the proxy then sees a failed upstream instead of our answer (and
 * nginx used to take the instance out of rotation for it). The client or proxy normally
 * closes first, as soon as it has read the answer.
 */
export const DRAIN_MS = 5000;

/** Sockets that already got their answer: Node reports the same parse error again for every later chunk. */
const answered = new WeakSet<Socket>();

function problemOf(error: NodeJS.ErrnoException): AppError {
  switch (error.code) {
    case "HPE_HEADER_OVERFLOW":
      return new AppError(431, "request.headers_too_large", "Request Header Fields Too Large", {
        detail: "The request headers exceed 16 KiB in all.",
      });
    case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
      return new PayloadTooLargeError("The chunk extensions of the request body are too large.");
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return new AppError(408, "request.timeout", "Request Timeout", {
        detail: "The request was not received in time.",
      });
    default:
      return new BadRequestError("request.malformed", "The request is not valid HTTP/1.1.");
  }
}

/**
 * Fastify's clientErrorHandler: a request Node refuses before routing (a control byte in a
 * header, a byte ≥ 0x80 in the target, oversized headers, a timeout) gets a problem document
 * like every other 4xx, then the connection closes gracefully (closeAfterDrain) instead of
 * being reset under a client or proxy that is still sending.
 */
export function handleClientError(this: FastifyInstance, error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === "ECONNRESET" || socket.destroyed || answered.has(socket)) return;
  answered.add(socket);
  const problem = problemOf(error);
  this.log.debug({ code: error.code, status: problem.status }, "client error");
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    const body = JSON.stringify(toProblem(problem, randomUUID()));
    socket.write(
      `HTTP/1.1 ${problem.status} ${problem.title}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  // A slow client gets no more time; anyone else may finish sending what it had started.
  if (error.code === "ERR_HTTP_REQUEST_TIMEOUT") socket.destroySoon();
  else closeAfterDrain(socket);
}

/** Ends our side now, reads and discards until the peer closes or DRAIN_MS pass, then closes. */
function closeAfterDrain(socket: Socket): void {
  socket.end();
  socket.resume();
  const timer = setTimeout(() => socket.destroy(), DRAIN_MS);
  timer.unref();
  socket.once("end", () => socket.destroy());
  socket.once("close", () => clearTimeout(timer));
}

/**
 * A response that closes the connection (Fastify's answer to an oversized or broken body)
 * while the request body is still arriving: Node would destroy the socket as soon as the
 * answer is written, resetting it under the sender. The rest of the body is discarded
 * instead, for at most DRAIN_MS, before the connection closes.
 */
export function drainRefusedBodies(server: Server): void {
  server.on("request", (request: IncomingMessage, response: ServerResponse) => {
    // A request without a body (most: every GET) has nothing left to drain: no listener for it.
    const headers = request.headers;
    if (headers["transfer-encoding"] === undefined && (headers["content-length"] ?? "0") === "0") return;
    response.once("finish", () => {
      const socket = request.socket;
      if (request.complete || socket.destroyed || !socket.writableEnded) return;
      // Node's resOnFinish has just called socket.destroySoon(): undo its destroy-on-finish.
      socket.removeListener("finish", socket.destroy);
      request.resume();
      closeAfterDrain(socket);
    });
  });
}
