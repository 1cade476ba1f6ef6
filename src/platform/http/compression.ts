import { promisify } from "node:util";
import { brotliCompress, constants, gzip } from "node:zlib";
import type { FastifyInstance } from "fastify";

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

// Brotli at quality 4: the default (11) is meant for static assets compressed once and
// costs far too much CPU per response.
const BROTLI_OPTIONS = { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } };
const COMPRESSIBLE = /^application\/(?:[\w.+-]+\+)?json\b/;

/** The encoding to use: br when accepted, else gzip, else none (q=0 means refused). */
export function negotiateEncoding(acceptEncoding: string | undefined): "br" | "gzip" | undefined {
  if (!acceptEncoding) return undefined;
  let gzipOk = false;
  for (const part of acceptEncoding.toLowerCase().split(",")) {
    const [token = "", ...params] = part.trim().split(";");
    const refused = params.some((p) => /^\s*q=0(?:\.0*)?\s*$/.test(p));
    if (refused) continue;
    if (token === "br") return "br";
    if (token === "gzip" || token === "x-gzip" || token === "*") gzipOk = true;
  }
  return gzipOk ? "gzip" : undefined;
}

/**
 * Compresses JSON responses (problems included) of at least `thresholdBytes` with br or
 * gzip when the client accepts it; smaller ones are not worth the CPU. A small onSend
 * hook rather than @fastify/compress, which measured several times costlier per request
 * even when it compresses nothing (it adds per-route hooks and a property to every reply).
 */
export function installCompression(app: FastifyInstance, thresholdBytes: number): void {
  app.addHook("onSend", (request, reply, payload, done) => {
    if (typeof payload !== "string" && !Buffer.isBuffer(payload)) return done(null, payload);
    if (isBelow(payload, thresholdBytes)) return done(null, payload);
    if (!COMPRESSIBLE.test(String(reply.getHeader("content-type") ?? ""))) return done(null, payload);
    reply.header("vary", appendVary(reply.getHeader("vary"), "accept-encoding"));
    const encoding = negotiateEncoding(request.headers["accept-encoding"]);
    if (encoding === undefined || reply.hasHeader("content-encoding")) return done(null, payload);
    (encoding === "br" ? brotli(payload, BROTLI_OPTIONS) : gzipAsync(payload)).then(
      (compressed) => {
        reply.header("content-encoding", encoding);
        reply.removeHeader("content-length");
        done(null, compressed);
      },
      (error: Error) => done(error),
    );
  });
}

/** A string's UTF-8 form takes at most three bytes per UTF-16 unit: most answers are known small without counting them. */
function isBelow(payload: string | Buffer, thresholdBytes: number): boolean {
  if (typeof payload !== "string") return payload.length < thresholdBytes;
  return payload.length * 3 < thresholdBytes || Buffer.byteLength(payload) < thresholdBytes;
}

function appendVary(current: unknown, field: string): string {
  if (current === undefined || current === "") return field;
  const existing = String(current);
  return existing.toLowerCase().includes(field) ? existing : `${existing}, ${field}`;
}
