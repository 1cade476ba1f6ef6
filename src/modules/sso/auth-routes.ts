import { Type } from "@sinclair/typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import { problemResponses } from "../../platform/openapi/problem-responses.ts";
import { schemaRef } from "../../platform/openapi/schema-ref.ts";
import { deliverFederatedTokens, requestContextOf } from "../identity/index.ts";
import type { SsoAdminApp } from "./admin-routes.ts";
import { bindBrowser, browserBindingOf } from "./browser-binding.ts";
import type { SsoSignInResult } from "./complete-sign-in.ts";
import { oidcCallback } from "./oidc-callback.ts";
import * as schemas from "./schemas.ts";
import type { SsoDeps } from "./service.ts";
import { type SamlStarter, startSignIn } from "./sign-in-start.ts";

/**
 * How an SSO sign-in hands its tokens over, for both protocols' callbacks: the refresh cookie,
 * then the access token to a client that asks for JSON, or 303 to SSO_SIGNED_IN_URL
 * (identity's deliverFederatedTokens).
 */
export function deliverSsoTokens(deps: SsoDeps, request: FastifyRequest, reply: FastifyReply, result: SsoSignInResult) {
  return deliverFederatedTokens(request, reply, deps.identity.config, deps.settings.signedInUrl, result);
}

export function registerSsoAuthRoutes(app: SsoAdminApp, deps: SsoDeps & { readonly saml?: SamlStarter }): void {
  const tags = ["sso"];
  app.post(
    "/auth/sso/start",
    {
      bodyLimit: deps.identity.config.AUTH_BODY_LIMIT,
      config: { access: "public", rateLimit: { tier: "auth" } },
      schema: {
        operationId: "startSso",
        tags,
        summary: "Home-realm discovery: an email address or company slug → where to send the browser",
        description:
          "Always 200 with a redirectUrl: the company's identity provider when the address's verified domain (or the slug's company) has an enabled connection, else the app's own sign-in page. The status and shape never tell whether a domain or company uses SSO (docs/sso.md). Sets the rampart_sso cookie that binds the sign-in to this browser: the callback is refused without it (login CSRF).",
        security: [],
        body: schemaRef(schemas.SsoStartBody),
        response: { 200: Type.Ref("SsoStartResponse"), ...problemResponses(422) },
      },
    },
    async (request, reply) => {
      reply.header("cache-control", "no-store");
      const fallback = new URL("/sign-in", deps.identity.config.PUBLIC_APP_URL).href;
      // Set for every answer, known domain or not: the shape reveals nothing (docs/sso.md).
      return startSignIn(deps, request.body, fallback, bindBrowser(deps, request, reply));
    },
  );

  app.get(
    "/auth/sso/oidc/callback",
    {
      config: { access: "public", rateLimit: { tier: "auth" } },
      schema: {
        operationId: "ssoOidcCallback",
        tags,
        summary: "Where the identity provider sends the browser back (register this as the redirect URI)",
        description:
          "Exchanges the code (PKCE), validates the ID token, signs the person in (just-in-time account and membership) and sets the refresh cookie: 303 to SSO_SIGNED_IN_URL, or 200 with the access token when the client accepts application/json. A test-connection flow answers the mapping report instead (nothing created). Refused (400 sso.invalid_state) without the rampart_sso cookie of the browser that started the sign-in.",
        security: [],
        querystring: schemas.OidcCallbackQuery,
        response: {
          200: Type.Union([Type.Ref("SsoTokenResponse"), Type.Ref("SsoMappingReport")]),
          303: Type.Null({ description: "Signed in: on to SSO_SIGNED_IN_URL with the refresh cookie" }),
          ...problemResponses(400, 401, 403),
        },
      },
    },
    async (request, reply) => {
      const outcome = await oidcCallback(deps, request.query, requestContextOf(request), browserBindingOf(request));
      if (outcome.kind === "test") return reply.header("cache-control", "no-store").send(outcome.report);
      return deliverSsoTokens(deps, request, reply, outcome.result);
    },
  );
}
