import type { FastifySchema } from "fastify";
import type { Access } from "../access/access.ts";
import { acceptsIdempotencyKey } from "../idempotency/plugin.ts";

/** HTTP methods whose requests carry a body Fastify parses (and can therefore reject). */
const BODY_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * The problem statuses an operation can answer whatever its handler does — decided by the
 * edge, not the route — so they are added to every operation's responses and no route
 * author can forget them:
 * - 500 anywhere (a bug), 429 anywhere (the rate limit sits at the edge, before routing),
 *   400 anywhere (a Host outside TRUSTED_HOSTS), 503 anywhere (database unavailable, kill switch);
 * - 422 when the route validates any input (params, query, headers or body);
 * - 413 (too large) and 415 (not JSON) for methods that carry a body;
 * - 401 when it requires credentials; 403 when its access declaration can refuse a caller
 *   (wrong kind of caller, missing permission, suspended company); 404 for company routes
 *   (a company the caller cannot see answers exactly like a missing one);
 * - 409 and 422 where an Idempotency-Key is accepted (a repeat still in flight, a key
 *   reused with another body).
 */
export function commonProblemStatuses(
  method: string,
  schema: FastifySchema & { security?: unknown },
  access?: Access,
  config?: unknown,
): number[] {
  const statuses = new Set([400, 429, 500, 503]);
  const validates = [schema.body, schema.params, schema.querystring, schema.headers].some((s) => s !== undefined);
  if (validates) statuses.add(422);
  // Fastify parses a body sent to these methods even when the route declares none.
  if (BODY_METHODS.has(method)) {
    statuses.add(413);
    statuses.add(415);
  }
  if (requiresCredentials(schema.security)) statuses.add(401);
  if (access !== undefined && access !== "public") {
    statuses.add(401);
    statuses.add(403);
    if (typeof access === "object") statuses.add(404);
  }
  if (acceptsIdempotencyKey(method, access, config)) {
    statuses.add(409);
    statuses.add(422);
  }
  return [...statuses].sort((a, b) => a - b);
}

/** `security: []` (or only `{}` alternatives) means anonymous access is allowed. */
function requiresCredentials(security: unknown): boolean {
  if (!Array.isArray(security) || security.length === 0) return false;
  return security.every((requirement) => Object.keys(requirement as object).length > 0);
}

/**
 * The OpenAPI security requirement an access declaration implies: company routes take a
 * user's token or an API key, "user" and "platform_admin" routes a user's token only.
 */
export function securityFor(access: Access | undefined): Record<string, string[]>[] | undefined {
  if (access === undefined) return undefined;
  if (access === "public") return [];
  if (typeof access === "object") return [{ bearerAuth: [] }, { apiKey: [] }];
  return [{ bearerAuth: [] }];
}
