import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import type { FastifyRequest } from "fastify";
import { normalizeEmail } from "./secrets.ts";
import type { IdentityDeps, RequestContext } from "./service.ts";

// What identity's route files share: their options, the route options of the credential
// routes, and how a request becomes the context the audit trail records.

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
