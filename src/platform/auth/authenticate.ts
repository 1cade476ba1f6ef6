import type { FastifyRequest } from "fastify";
import type { AccessResolvers, Actor } from "../access/actor.ts";
import type { UnauthorizedError } from "../errors/app-error.ts";
import { authErrors } from "./errors.ts";

// Authentication: which credential a request presents (a bearer access token or an API key,
// by header), and who that credential is (the actor). What the actor may do is access's
// business (platform/access/); this only says who calls.

const API_KEY_PREFIX = "rk_";
const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]+)$/;

/** The token of an `Authorization: Bearer …` header, if the header is one. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  return header ? BEARER.exec(header)?.[1] : undefined;
}

/** Authentication's outcome for one request: a caller, nobody, or credentials that failed. */
export type Caller = { readonly actor: Actor } | { readonly actor?: undefined; readonly failure?: UnauthorizedError };

/** How a presented credential becomes an actor (composed from the modules in app.ts). */
export type Authenticators = Pick<AccessResolvers, "authenticateApiKey" | "authenticateAccessToken">;

/**
 * Who presents this request's credentials: an API key (`X-API-Key`, or a bearer value with
 * the key prefix) or a user's access token. A resolver may throw its own, more precise 401.
 */
export async function authenticate(request: FastifyRequest, authenticators: Authenticators): Promise<Caller> {
  const headerKey = request.headers["x-api-key"];
  const presented = typeof headerKey === "string" ? headerKey : bearerToken(request);
  if (presented === undefined) {
    return request.headers.authorization || headerKey ? { failure: authErrors.tokenNoLongerValid() } : {};
  }
  if (presented.startsWith(API_KEY_PREFIX)) {
    const actor = await authenticators.authenticateApiKey(presented);
    return actor ? { actor } : { failure: authErrors.invalidApiKey() };
  }
  if (typeof headerKey === "string") return { failure: authErrors.invalidApiKey() };
  const actor = await authenticators.authenticateAccessToken(presented);
  return actor ? { actor } : { failure: authErrors.tokenNoLongerValid() };
}
