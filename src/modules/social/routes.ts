import fastifyCookie from "@fastify/cookie";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import { requireUser } from "../../platform/access/access.ts";
import { problemResponses } from "../../platform/openapi/problem-responses.ts";
import { deliverFederatedTokens, newOpaqueToken, prefersJson, requestContextOf } from "../identity/index.ts";
import { socialCallback } from "./callback.ts";
import { listLinks, unlink } from "./links.ts";
import * as schemas from "./schemas.ts";
import type { SocialDeps } from "./service.ts";
import { startFlow } from "./start.ts";

export interface SocialRouteOptions {
  readonly deps: SocialDeps;
}

type SocialApp = Parameters<FastifyPluginAsyncTypebox<SocialRouteOptions>>[0];

/**
 * Binds a flow to the browser that started it: the callback is refused without the same
 * value, so a flow someone else started (their account to link, their sign-in) cannot be
 * completed in a victim's browser. SameSite=Lax: the provider's redirect back is a top-level
 * cross-site navigation, which Strict would strip the cookie from.
 */
const BROWSER_COOKIE = "rampart_social";
const BROWSER_COOKIE_PATH = "/api/v1/auth/social";

function bindBrowser(deps: SocialDeps, request: FastifyRequest, reply: FastifyReply): string {
  const existing = request.cookies[BROWSER_COOKIE];
  const value = existing && /^[A-Za-z0-9_-]{20,100}$/.test(existing) ? existing : newOpaqueToken();
  reply.setCookie(BROWSER_COOKIE, value, {
    httpOnly: true,
    secure: deps.identity.config.COOKIE_SECURE,
    sameSite: "lax",
    path: BROWSER_COOKIE_PATH,
    domain: deps.identity.config.COOKIE_DOMAIN,
    maxAge: deps.settings.flowTtlS,
  });
  return value;
}

const bearer = [{ bearerAuth: [] }];
const tags = ["social"];

function registerSignInRoutes(app: SocialApp, deps: SocialDeps): void {
  app.get(
    "/auth/social/providers",
    {
      config: { access: "public", rateLimit: { tier: "auth" } },
      schema: {
        operationId: "listSocialProviders",
        tags,
        summary: "The social sign-in providers this deployment enabled",
        security: [],
        response: { 200: Type.Ref("SocialProviderList") },
      },
    },
    async () => ({
      providers: deps.settings.providers.map((p) => ({ key: p.key, name: p.name, protocol: p.protocol })),
    }),
  );

  app.post(
    "/auth/social/:provider/start",
    {
      config: { access: "public", rateLimit: { tier: "auth" } },
      schema: {
        operationId: "startSocialSignIn",
        tags,
        summary: "Start signing in (or up) with a provider: where to send the browser",
        description:
          "Sets the rampart_social cookie that binds the flow to this browser; the callback needs it. Sign-up through a provider follows the `signup` flag; an existing account is never linked by matching its address (docs/social-sign-in.md).",
        security: [],
        params: schemas.ProviderParams,
        response: { 200: Type.Ref("SocialStartResponse"), ...problemResponses(401, 404) },
      },
    },
    async (request, reply) => {
      reply.header("cache-control", "no-store");
      return startFlow(deps, request.params.provider, "sign_in", null, bindBrowser(deps, request, reply));
    },
  );

  app.get(
    "/auth/social/:provider/callback",
    {
      config: { access: "public", rateLimit: { tier: "auth" } },
      schema: {
        operationId: "socialCallback",
        tags,
        summary: "Where the provider sends the browser back (register <base>/<provider>/callback as the redirect URI)",
        description:
          "Sign-in: sets the refresh cookie, then 303 to SOCIAL_SIGNED_IN_URL, or 200 with the access token when the client accepts application/json. Link: 303 to SOCIAL_SIGNED_IN_URL?linked=<provider>, or 200 with the new link.",
        security: [],
        params: schemas.ProviderParams,
        querystring: schemas.SocialCallbackQuery,
        response: {
          200: Type.Union([Type.Ref("SocialTokenResponse"), Type.Ref("LinkedIdentity")]),
          303: Type.Null({ description: "Done: on to SOCIAL_SIGNED_IN_URL" }),
          ...problemResponses(400, 401, 403, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const outcome = await socialCallback(
        deps,
        request.params.provider,
        request.query,
        request.cookies[BROWSER_COOKIE],
        requestContextOf(request),
      );
      reply.header("cache-control", "no-store");
      if (outcome.kind === "linked") {
        if (prefersJson(request)) return reply.code(200).send(outcome.identity);
        const to = new URL(deps.settings.signedInUrl);
        to.searchParams.set("linked", outcome.identity.provider);
        return reply.code(303).header("location", to.href).send(null);
      }
      const { result } = outcome;
      return deliverFederatedTokens(request, reply, deps.identity.config, deps.settings.signedInUrl, result, {
        created: result.created,
      });
    },
  );
}

function registerLinkRoutes(app: SocialApp, deps: SocialDeps): void {
  app.get(
    "/users/me/identities",
    {
      config: { access: "user", rateLimit: { tier: "user" } },
      schema: {
        operationId: "listLinkedIdentities",
        tags,
        summary: "The providers linked to the signed-in account",
        security: bearer,
        response: { 200: Type.Ref("LinkedIdentityList"), ...problemResponses(401) },
      },
    },
    async (request) => listLinks(deps, requireUser(request).userId),
  );

  app.post(
    "/users/me/identities/:provider/start",
    {
      config: { access: "user", rateLimit: { tier: "user" }, stepUp: true },
      schema: {
        operationId: "startSocialLink",
        tags,
        summary: "Link a provider to the signed-in account: where to send the browser",
        description:
          "The flow is bound to this account and this browser (rampart_social cookie); the provider's callback links the identity, refused with 409 social.identity_linked_elsewhere when it is another account's.",
        security: bearer,
        params: schemas.ProviderParams,
        response: { 200: Type.Ref("SocialStartResponse"), ...problemResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const actor = requireUser(request);
      reply.header("cache-control", "no-store");
      return startFlow(deps, request.params.provider, "link", actor.userId, bindBrowser(deps, request, reply));
    },
  );

  app.delete(
    "/users/me/identities/:identityId",
    {
      config: { access: "user", rateLimit: { tier: "user" }, stepUp: true },
      schema: {
        operationId: "unlinkIdentity",
        tags,
        summary: "Unlink a provider from the signed-in account",
        description:
          "Refused with 409 social.last_sign_in_method when it is the account's last way in (no password, no passkey, no other link).",
        security: bearer,
        params: schemas.IdentityParams,
        response: { 204: Type.Null({ description: "No content" }), ...problemResponses(401, 404, 409) },
      },
    },
    async (request, reply) => {
      await unlink(deps, requireUser(request).userId, request.params.identityId, requestContextOf(request));
      return reply.code(204).send(null);
    },
  );
}

/** Social sign-in: the enabled providers, start and callback; an account's links. */
export const socialRoutes: FastifyPluginAsyncTypebox<SocialRouteOptions> = async (app, { deps }) => {
  for (const schema of schemas.socialSchemas) app.addSchema(schema);
  await app.register(fastifyCookie);
  registerSignInRoutes(app, deps);
  registerLinkRoutes(app, deps);
};
