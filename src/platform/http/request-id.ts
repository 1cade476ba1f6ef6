import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { onRequestHookHandler } from "fastify";

export const REQUEST_ID_HEADER = "x-request-id";
// Bounded and restricted so a client cannot inject log lines or bloat every log entry.
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** Keeps a well-formed incoming X-Request-ID (so a trace spans proxy and app), else makes one. */
export function requestIdFor(request: IncomingMessage): string {
  const incoming = request.headers[REQUEST_ID_HEADER];
  if (typeof incoming === "string" && ACCEPTABLE_REQUEST_ID.test(incoming)) return incoming;
  return randomUUID();
}

/** Echoes the request's id on its response, so a client can quote it when reporting a problem. */
export const echoRequestId: onRequestHookHandler = (request, reply, done) => {
  reply.header(REQUEST_ID_HEADER, request.id);
  done();
};
