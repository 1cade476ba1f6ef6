import swagger from "@fastify/swagger";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { negotiateEncoding } from "../http/compression.ts";
import { registerDocs } from "./docs.ts";
import { openapiOptions } from "./document.ts";
import { type EncodedDocument, encodeOnce } from "./served-document.ts";

export const OPENAPI_PATH = "/openapi.json";

/**
 * Collects every route's schema into the OpenAPI document and serves it at /openapi.json
 * (always: clients are generated from it) and the human docs at /docs (when enabled).
 * Must be registered before any route: @fastify/swagger learns routes from onRoute.
 *
 * The document (about 400 KB) was serialised and compressed on every request: 6–8.5 ms of
 * CPU each, unauthenticated. It is encoded once (identity, gzip, br), served with a strong ETag per encoding (304 when the client has it), and the route
 * is on the public rate-limit tier.
 */
export async function registerOpenapi(
  app: FastifyInstance,
  options: { readonly docs: boolean; readonly legacyRoutes: boolean },
): Promise<void> {
  await app.register(swagger, openapiOptions(options));
  // On the first request, not at startup: most apps built by the tests never serve it.
  let encoded: Promise<EncodedDocument> | undefined;
  app.get(
    OPENAPI_PATH,
    { schema: { hide: true }, config: { rateLimit: { tier: "public" } } },
    async (request: FastifyRequest, reply: FastifyReply) => {
      encoded ??= encodeOnce(JSON.stringify(app.swagger()));
      const coding = negotiateEncoding(request.headers["accept-encoding"]) ?? "identity";
      const { body, etag } = (await encoded)[coding];
      // Revalidate: the document changes with each deployment.
      reply.header("cache-control", "no-cache").header("etag", etag).header("vary", "accept-encoding");
      if (notModified(request.headers["if-none-match"], etag)) return reply.code(304).send();
      if (coding !== "identity") reply.header("content-encoding", coding);
      return reply.type("application/json; charset=utf-8").send(body);
    },
  );
  if (options.docs) await registerDocs(app);
}

/** If-None-Match (RFC 9110 §13.1.2): weak comparison, `*` matches any. */
function notModified(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch
    .split(",")
    .map((tag) => tag.trim().replace(/^W\//, ""))
    .some((tag) => tag === "*" || tag === etag);
}
