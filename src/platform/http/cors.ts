import type { FastifyInstance } from "fastify";

export interface CorsOptions {
  /** Exact origins (scheme://host[:port]) or the single entry "*". */
  readonly origins: readonly string[];
  readonly credentials: boolean;
  readonly maxAgeSeconds: number;
}

const ALLOWED_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE";
const EXPOSED_HEADERS = "x-request-id, retry-after, ratelimit, ratelimit-policy";

/**
 * CORS by exact origin. A listed origin gets Access-Control-Allow-Origin (its own value,
 * never a pattern) and, when enabled, Allow-Credentials; any other origin gets no
 * Access-Control-Allow-* header at all, so the browser blocks the read. Every answer says
 * `Vary: Origin`, since what it carries depends on the origin. A preflight (OPTIONS with an
 * Origin and an Access-Control-Request-Method) from a listed origin is answered here, before
 * rate limits and access, with 204, the methods, the requested headers and a max-age, so
 * browsers do not repeat it for every call; any other OPTIONS request is routed to a hidden
 * catch-all that answers the usual 404.
 *
 * One hook of our own rather than @fastify/cors, which on every request — probes included —
 * read `request.routeOptions` twice (a new object each time), copied its options into a new
 * object and resolved the origin through two callbacks: with the in-flight gauge's listener
 * per response, replaced at the same time, about 4 % of the CPU of GET /health (issue #21,
 * docs/benchmarks.md). A request without an Origin header, most server-to-server traffic,
 * now costs one header.
 */
export function installCors(app: FastifyInstance, options: CorsOptions): void {
  const anyOrigin = options.origins.includes("*");
  const allowed = new Set(options.origins);
  const credentials = options.credentials && !anyOrigin;
  const maxAge = String(options.maxAgeSeconds);

  app.addHook("onRequest", (request, reply, done) => {
    reply.header("vary", "Origin");
    const origin = request.headers.origin;
    if (origin === undefined || !(anyOrigin || allowed.has(origin))) return done();
    reply.header("access-control-allow-origin", anyOrigin ? "*" : origin);
    if (credentials) reply.header("access-control-allow-credentials", "true");
    reply.header("access-control-expose-headers", EXPOSED_HEADERS);
    const requestedMethod = request.headers["access-control-request-method"];
    if (request.method !== "OPTIONS" || requestedMethod === undefined) return done();
    reply.header("access-control-allow-methods", ALLOWED_METHODS);
    // Any header the page asks for: what a header may carry is each route's to check, as for any client.
    reply.header("vary", "Origin, Access-Control-Request-Headers");
    const requestedHeaders = request.headers["access-control-request-headers"];
    if (requestedHeaders !== undefined) reply.header("access-control-allow-headers", requestedHeaders);
    reply.header("access-control-max-age", maxAge);
    reply.code(204).header("content-length", "0").send();
  });

  // Routes an OPTIONS request to every path, so a preflight reaches the hook above whatever the
  // path's methods; one the hook did not answer is not a preflight from a listed origin.
  app.options("*", { schema: { hide: true } }, (_request, reply) => {
    reply.callNotFound();
  });
}
