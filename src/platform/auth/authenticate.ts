import type { FastifyInstance, FastifyRequest } from "fastify";
import { UnauthorizedError } from "../errors/app-error.ts";

/** Who is calling. Tenancy adds API keys; every request's actor is re-resolved, never cached in a token. */
export interface Actor {
  readonly kind: "user";
  readonly userId: string;
  readonly sessionId: string;
  readonly platformRole: "user" | "admin";
}

export type ActorResolver = (bearerToken: string) => Promise<Actor | undefined>;

declare module "fastify" {
  interface FastifyContextConfig {
    /** "user": a valid bearer token is required; absent: the route is public. */
    auth?: "user";
  }
  interface FastifyRequest {
    actor?: Actor;
  }
}

const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]+)$/;

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  return header ? BEARER.exec(header)?.[1] : undefined;
}

export function requireActor(request: FastifyRequest): Actor {
  if (!request.actor)
    throw new UnauthorizedError("auth.missing_token", "This endpoint requires a bearer access token.");
  return request.actor;
}

/**
 * Authenticates routes that declare `config.auth`. Runs before body parsing and validation,
 * so an anonymous caller learns nothing about a protected route's input rules.
 */
export function installAuthentication(app: FastifyInstance, resolve: ActorResolver): void {
  app.decorateRequest("actor", undefined);
  app.addHook("onRequest", async (request) => {
    if (request.routeOptions.config.auth !== "user") return;
    const token = bearerToken(request);
    if (!token) throw new UnauthorizedError("auth.missing_token", "This endpoint requires a bearer access token.");
    const actor = await resolve(token);
    if (!actor) throw new UnauthorizedError("auth.invalid_token", "The access token is no longer valid.");
    request.actor = actor;
  });
}
