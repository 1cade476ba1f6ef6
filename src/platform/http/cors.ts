import cors from "@fastify/cors";
import type { FastifyInstance } from "fastify";

export interface CorsOptions {
  /** Exact origins (scheme://host[:port]) or the single entry "*". */
  readonly origins: readonly string[];
  readonly credentials: boolean;
  readonly maxAgeSeconds: number;
}

/**
 * CORS by exact origin. A listed origin gets Access-Control-Allow-Origin (its own value,
 * never a pattern) and, when enabled, Allow-Credentials; any other origin gets no
 * Access-Control-Allow-* header at all, so the browser blocks the read. Preflights are
 * answered with 204 and a max-age so browsers do not repeat them for every call.
 */
export async function installCors(app: FastifyInstance, options: CorsOptions): Promise<void> {
  const anyOrigin = options.origins.includes("*");
  const allowed = new Set(options.origins);
  await app.register(cors, {
    // Returning false (rather than @fastify/cors's array matching) makes the plugin add no
    // CORS header for a foreign origin — with an array it would still send Allow-Credentials.
    origin: (origin, callback) => {
      if (origin !== undefined && (anyOrigin || allowed.has(origin))) callback(null, anyOrigin ? "*" : origin);
      else callback(null, false);
    },
    credentials: options.credentials && !anyOrigin,
    maxAge: options.maxAgeSeconds,
    methods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
    exposedHeaders: ["x-request-id", "retry-after", "ratelimit", "ratelimit-policy"],
  });
}
