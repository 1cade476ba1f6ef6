import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Config } from "../../config/settings/index.ts";
import { setMfaCookie, setRefreshCookie } from "./cookies.ts";
import type { MfaRequired } from "./mfa-tickets.ts";
import { normalizeEmail } from "./secrets.ts";
import type { IdentityDeps, PublicUser, RequestContext, TokenPair } from "./service.ts";

// What identity's route files share: their options, the route options of the credential
// routes, how a request becomes the context the audit trail records, and the answers of a
// sign-in (tokens, or the second factor it still needs).

export interface IdentityRouteOptions {
  readonly deps: IdentityDeps;
  /** Origins allowed to make cookie-authenticated requests (CSRF defence). */
  readonly allowedOrigins: readonly string[];
}

/** The Fastify instance identity's routes are registered on (TypeBox-typed). */
export type IdentityApp = Parameters<FastifyPluginAsyncTypebox<IdentityRouteOptions>>[0];

export const noContent = Type.Null({ description: "No content" });

export const bearer = [{ bearerAuth: [] }];

export function contextOf(request: FastifyRequest): RequestContext {
  return { ip: request.ip ?? null, userAgent: request.headers["user-agent"] ?? null, requestId: request.id };
}

/** Small bodies only on credential routes (AUTH_BODY_LIMIT): argon2 should never see megabytes. */
export function authRoute(deps: IdentityDeps) {
  return {
    bodyLimit: deps.config.AUTH_BODY_LIMIT,
    config: { access: "public", rateLimit: { tier: "auth" } },
  } as const;
}

// Login and the mail-sending routes also have a budget per target address, whatever the client IP.
const emailOf = (request: FastifyRequest) => normalizeEmail(bodyString(request, "email") ?? "");

/**
 * A string field of the request's (validated) JSON body, for the hooks that run on every
 * route alike and so see the body untyped: the per-account rate-limit keys.
 */
export function bodyString(request: FastifyRequest, field: string): string | undefined {
  const body = request.body;
  if (typeof body !== "object" || body === null) return undefined;
  const value: unknown = Reflect.get(body, field);
  return typeof value === "string" ? value : undefined;
}

export function perAccountRoute(deps: IdentityDeps, scope: string) {
  const auth = authRoute(deps);
  return { ...auth, config: { ...auth.config, accountRateLimit: { scope, accountOf: emailOf } } } as const;
}

/**
 * The TokenResponse of a sign-in or refresh: the refresh token in the httpOnly refresh cookie
 * for a browser, in the body only for a native client (`inBody`), never both.
 */
export function tokenAnswer(
  reply: FastifyReply,
  config: Config,
  result: TokenPair & { readonly user?: PublicUser },
  inBody: boolean,
) {
  if (!inBody) setRefreshCookie(reply, config, result.refreshToken);
  return {
    accessToken: result.accessToken,
    tokenType: result.tokenType,
    expiresIn: result.expiresIn,
    refreshToken: inBody ? result.refreshToken : undefined,
    user: result.user,
  };
}

/**
 * The MfaChallenge of a sign-in that needs the second factor; a browser's ticket is also bound
 * to the random `binding` in a cookie only the MFA endpoint receives (none for native clients).
 */
export function mfaChallengeAnswer(
  reply: FastifyReply,
  config: Config,
  challenge: MfaRequired,
  binding: string | undefined,
) {
  if (binding !== undefined) setMfaCookie(reply, config, binding);
  return {
    mfaRequired: true as const,
    ticket: challenge.ticket,
    factors: challenge.factors,
    expiresIn: challenge.expiresIn,
  };
}

/** A client that asked for JSON (not a browser, whose Accept also names text/html). */
export function prefersJson(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? "";
  return accept.includes("application/json") && !accept.includes("text/html");
}

/**
 * How a federated sign-in (SSO, social) hands its tokens over from the provider's redirect
 * back. The refresh token always goes in the httpOnly refresh cookie, as a browser login's
 * does (never in a URL). A client that asks for JSON gets the access token (and `extra`) in
 * the body; a browser is sent on with 303 to `signedInUrl`, where the app calls POST
 * /auth/refresh with the cookie — no token ever travels in a URL.
 */
export function deliverFederatedTokens(
  request: FastifyRequest,
  reply: FastifyReply,
  config: Config,
  signedInUrl: string,
  result: TokenPair & { readonly user: PublicUser },
  extra: Readonly<Record<string, unknown>> = {},
) {
  setRefreshCookie(reply, config, result.refreshToken);
  reply.header("cache-control", "no-store");
  if (!prefersJson(request)) return reply.code(303).header("location", signedInUrl).send(null);
  return reply.code(200).send({
    accessToken: result.accessToken,
    tokenType: result.tokenType,
    expiresIn: result.expiresIn,
    ...extra,
    user: result.user,
  });
}
