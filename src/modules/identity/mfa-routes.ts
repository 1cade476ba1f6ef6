import { Type } from "@sinclair/typebox";
import { requireUser } from "../../platform/access/access.ts";
import { problemResponses } from "../../platform/openapi/problem-responses.ts";
import { schemaRef } from "../../platform/openapi/schema-ref.ts";
import { clearMfaCookie, MFA_COOKIE } from "./cookies.ts";
import * as factorSchemas from "./factor-schemas.ts";
import { completeMfaSignIn, mfaPasskeyOptions } from "./mfa-sign-in.ts";
import { passkeyAssertionOptionsForUser } from "./passkeys/sign-in.ts";
import { reauthenticate } from "./reauthenticate.ts";
import {
  authRoute,
  bearer,
  contextOf,
  type IdentityApp,
  type IdentityRouteOptions,
  tokenAnswer,
} from "./route-support.ts";

/** The second step of a sign-in, and reauthentication for step-up (docs/security.md, "Second factors"). */
export function registerMfaRoutes(app: IdentityApp, { deps }: IdentityRouteOptions): void {
  app.post(
    "/auth/mfa/verify",
    {
      ...authRoute(deps),
      schema: {
        operationId: "verifyMfa",
        tags: ["auth"],
        summary: "Complete a sign-in with the ticket from /auth/login and a second factor",
        description:
          "The ticket works once, for 5 minutes (MFA_TICKET_TTL_S), only from the client that signed in (same User-Agent and, for browsers, the rampart_mfa cookie), and dies after MFA_TICKET_MAX_FAILURES wrong codes; each wrong code also counts toward the account's sign-in lockout.",
        security: [],
        body: schemaRef(factorSchemas.MfaVerifyBody),
        response: { 200: Type.Ref("TokenResponse"), ...problemResponses(401, 403) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const native = body.clientType === "native";
      const client = { userAgent: request.headers["user-agent"] ?? null, binding: request.cookies[MFA_COOKIE] };
      // The body is the proof: one branch per factor kind (factor-schemas.ts, factors.ts FACTOR_VERIFIERS).
      const result = await completeMfaSignIn(deps, body, client, contextOf(request));
      clearMfaCookie(reply, deps.config);
      return tokenAnswer(reply, deps.config, result, native);
    },
  );

  app.post(
    "/auth/mfa/webauthn/options",
    {
      ...authRoute(deps),
      schema: {
        operationId: "mfaPasskeyOptions",
        tags: ["auth"],
        summary: "Options (with a single-use challenge) for completing a sign-in with one of the account's passkeys",
        description:
          "Checks the ticket as /auth/mfa/verify does (same client) without using it; pass the options to startAuthentication and its result as `webauthn` to /auth/mfa/verify.",
        security: [],
        body: schemaRef(factorSchemas.MfaWebauthnOptionsBody),
        response: { 200: Type.Ref("PasskeyRequestOptions"), ...problemResponses(401, 403) },
      },
    },
    async (request) => {
      const client = { userAgent: request.headers["user-agent"] ?? null, binding: request.cookies[MFA_COOKIE] };
      return mfaPasskeyOptions(deps, request.body.ticket, client);
    },
  );

  app.post(
    "/auth/reauthenticate/webauthn/options",
    {
      config: { access: "user", rateLimit: { tier: "auth" } },
      schema: {
        operationId: "reauthenticatePasskeyOptions",
        tags: ["auth"],
        summary: "Options (with a single-use challenge) for proving a passkey of the signed-in account",
        description:
          "For `webauthn` in POST /auth/reauthenticate and DELETE /auth/factors/{id}: pass them to startAuthentication.",
        security: bearer,
        response: { 200: Type.Ref("PasskeyRequestOptions"), ...problemResponses(401) },
      },
    },
    async (request) => passkeyAssertionOptionsForUser(deps, requireUser(request).userId),
  );

  app.post(
    "/auth/reauthenticate",
    {
      ...authRoute(deps),
      config: { access: "user", rateLimit: { tier: "auth" } },
      schema: {
        operationId: "reauthenticate",
        tags: ["auth"],
        summary: "Prove it is still you (password, or the second factor) before a sensitive action",
        description:
          "Renews the session's auth_time (RFC 9470 step-up) and returns a new access token; no new session. Accounts with a second factor must use it.",
        security: bearer,
        body: schemaRef(factorSchemas.ReauthenticateBody),
        response: { 200: Type.Ref("ReauthenticateResponse"), ...problemResponses(401, 403) },
      },
    },
    async (request) => reauthenticate(deps, requireUser(request), request.body, contextOf(request)),
  );
}
