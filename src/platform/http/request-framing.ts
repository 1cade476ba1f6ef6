import type { FastifyInstance, FastifyRequest } from "fastify";
import { BadRequestError, UnsupportedMediaTypeError } from "../errors/app-error.ts";
import { sendProblem } from "../errors/error-handler.ts";

/** How many Host fields the request carries (Node keeps only the first in `headers`). */
function hostFieldCount(request: FastifyRequest): number {
  const raw = request.raw.rawHeaders;
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]?.length === 4 && raw[i]?.toLowerCase() === "host") count++;
  return count;
}

/** The authority of an absolute-form target (`GET http://host/path`), or undefined for origin-form. */
function targetAuthority(url: string): string | undefined {
  if (url.startsWith("/")) return undefined;
  const match = /^https?:\/\/([^/?#]*)/i.exec(url);
  return match?.[1]?.toLowerCase();
}

/**
 * What nginx refuses and Node let through, refused here too so Rampart reached directly is
 * as strict as behind the edge:
 * - more than one Host field (RFC 9112 §3.2: 400), which passed the trusted-host check
 *   with the first one;
 * - an absolute-form target naming another host than Host (RFC 9112 §3.2.2: the target's
 *   authority wins, so it is the one the trusted-host check must see);
 * - Transfer-Encoding in an HTTP/1.0 request (RFC 9112 §6.1: faulty framing; the
 *   connection must close);
 * - a content-encoded body (gzip JSON answered "malformed JSON"): 415, as Rampart reads
 *   only identity bodies and never inflates one.
 */
export function installRequestFramingChecks(app: FastifyInstance): void {
  app.addHook("onRequest", (request, reply, done) => {
    const headers = request.headers;
    let refusal: BadRequestError | UnsupportedMediaTypeError | undefined;
    // Origin-form targets (`/path`, nearly every request) name no host to compare.
    const authority = targetAuthority(request.raw.url ?? "/");
    if (hostFieldCount(request) > 1) {
      refusal = new BadRequestError("request.duplicate_host", "The request carries more than one Host header.");
    } else if (authority !== undefined && authority !== headers.host?.toLowerCase()) {
      refusal = new BadRequestError("request.host_mismatch", "The request target names another host than Host.");
    } else if (request.raw.httpVersion === "1.0" && headers["transfer-encoding"] !== undefined) {
      reply.header("connection", "close");
      refusal = new BadRequestError("request.malformed", "HTTP/1.0 requests cannot use Transfer-Encoding.");
    } else {
      const encoding = headers["content-encoding"]?.trim().toLowerCase();
      if (encoding !== undefined && encoding !== "" && encoding !== "identity") {
        reply.header("accept-encoding", "identity");
        refusal = new UnsupportedMediaTypeError("Request bodies are accepted without Content-Encoding only.");
      }
    }
    if (refusal === undefined) return done();
    sendProblem(request, reply, refusal);
  });
}
