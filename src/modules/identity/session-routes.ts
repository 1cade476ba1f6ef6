import { Type } from "@sinclair/typebox";
import type { FastifyRequest } from "fastify";
import { requireUser } from "../../platform/access/access.ts";
import { bearerToken } from "../../platform/auth/authenticate.ts";
import { problemResponses } from "../../platform/openapi/problem-responses.ts";
import { schemaRef } from "../../platform/openapi/schema-ref.ts";
import { assertAllowedOrigin, clearRefreshCookie, REFRESH_COOKIE } from "./cookies.ts";
import { identityErrors } from "./errors.ts";
import {
  authRoute,
  bearer,
  bodyString,
  contextOf,
  type IdentityApp,
  type IdentityRouteOptions,
  mfaChallengeAnswer,
  noContent,
  perAccountRoute,
  tokenAnswer,
} from "./route-support.ts";
import * as schemas from "./schemas.ts";
import { newOpaqueToken } from "./secrets.ts";
import { listSessions, logout, logoutAll, logoutByRefreshToken, revokeOwnSession } from "./session-list.ts";
import { authenticateAccessToken, login, rotateRefreshToken, sessionOfRefreshToken } from "./sessions.ts";

/** Login, refresh-token rotation, logout and the signed-in user's sessions (sessions.ts). */
export function registerSessionRoutes(app: IdentityApp, { deps, allowedOrigins }: IdentityRouteOptions): void {
  const presentedRefreshToken = (request: FastifyRequest) =>
    bodyString(request, "refreshToken") ?? request.cookies[REFRESH_COOKIE];
  const sessionOfPresented = async (request: FastifyRequest) => {
    const presented = presentedRefreshToken(request);
    return presented ? sessionOfRefreshToken(deps, presented) : undefined;
  };

  app.post(
    "/auth/login",
    {
      ...perAccountRoute(deps, "login"),
      schema: {
        operationId: "login",
        tags: ["auth"],
        summary: "Sign in with email and password",
        security: [],
        description:
          "An account with a second factor gets no tokens here: the answer is 200 with `mfaRequired: true` and a single-use ticket that `POST /auth/mfa/verify` completes (docs/frontend.md).",
        body: schemaRef(schemas.LoginBody),
        response: {
          200: Type.Union([Type.Ref("TokenResponse"), Type.Ref("MfaChallenge")]),
          ...problemResponses(401, 403),
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const native = body.clientType === "native";
      // Browsers' tickets are also bound to a random cookie only the MFA endpoint receives.
      const binding = native ? undefined : newOpaqueToken();
      const client = { userAgent: request.headers["user-agent"] ?? null, binding };
      const result = await login(deps, body, contextOf(request), client);
      if (result.kind === "mfa_required") return mfaChallengeAnswer(reply, deps.config, result, binding);
      return tokenAnswer(reply, deps.config, result, native);
    },
  );

  app.post(
    "/auth/refresh",
    {
      bodyLimit: deps.config.AUTH_BODY_LIMIT,
      config: {
        access: "public",
        // A generous ceiling per IP (an office behind one NAT address refreshes as many
        // people), and a budget per session (refresh-token family), whatever the IP.
        rateLimit: { tier: "refresh" },
        accountRateLimit: { scope: "refresh", budget: "session", accountOf: sessionOfPresented },
      },
      // Browsers send no body at all (the token is in the cookie): validate that as {}.
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: {
        operationId: "refreshToken",
        tags: ["auth"],
        summary: "Exchange a refresh token (cookie or body) for a new access token and a rotated refresh token",
        description:
          "A session that never used the account's second factor (it predates the enrolment) ends here: the answer is an MfaChallenge, completed by POST /auth/mfa/verify.",
        security: [],
        body: schemaRef(schemas.RefreshBody),
        response: {
          200: Type.Union([Type.Ref("TokenResponse"), Type.Ref("MfaChallenge")]),
          ...problemResponses(401, 403),
        },
      },
    },
    async (request, reply) => {
      const fromBody = request.body?.refreshToken;
      const presented = presentedRefreshToken(request);
      if (!presented) throw identityErrors.invalidRefreshToken();
      if (!fromBody) assertAllowedOrigin(request, allowedOrigins);
      try {
        const binding = fromBody ? undefined : newOpaqueToken();
        const client = { userAgent: request.headers["user-agent"] ?? null, binding };
        const pair = await rotateRefreshToken(deps, presented, contextOf(request), client);
        if ("kind" in pair) {
          // The session predates the account's second factor: it ended; the factor starts a new one.
          if (binding !== undefined) clearRefreshCookie(reply, deps.config);
          return mfaChallengeAnswer(reply, deps.config, pair, binding);
        }
        return tokenAnswer(reply, deps.config, pair, Boolean(fromBody));
      } catch (error) {
        if (!fromBody) clearRefreshCookie(reply, deps.config);
        throw error;
      }
    },
  );

  app.post(
    "/auth/logout",
    {
      ...authRoute(deps),
      schema: {
        operationId: "logout",
        tags: ["auth"],
        summary: "End this session (bearer token, or the refresh cookie)",
        security: [],
        response: { 204: noContent, ...problemResponses(401, 403) },
      },
    },
    async (request, reply) => {
      if (request.headers.authorization) {
        // A malformed header verifies as an empty token: the same 401 invalid_token as a bad one.
        const actor = await authenticateAccessToken(deps, bearerToken(request) ?? "");
        if (!actor) throw identityErrors.invalidRefreshToken();
        await logout(deps, actor);
      } else {
        const cookie = request.cookies[REFRESH_COOKIE];
        if (!cookie) throw identityErrors.invalidRefreshToken();
        assertAllowedOrigin(request, allowedOrigins);
        await logoutByRefreshToken(deps, cookie);
      }
      clearRefreshCookie(reply, deps.config);
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/auth/logout-all",
    {
      ...authRoute(deps),
      config: { access: "user", rateLimit: { tier: "user" } },
      schema: {
        operationId: "logoutAll",
        tags: ["auth"],
        summary: "End every session of the signed-in user",
        security: bearer,
        response: { 204: noContent, ...problemResponses(401) },
      },
    },
    async (request, reply) => {
      await logoutAll(deps, requireUser(request));
      clearRefreshCookie(reply, deps.config);
      return reply.code(204).send(null);
    },
  );

  app.get(
    "/auth/sessions",
    {
      config: { access: "user", rateLimit: { tier: "user" } },
      schema: {
        operationId: "listSessions",
        tags: ["auth"],
        summary: "List the signed-in user's active sessions",
        security: bearer,
        response: { 200: Type.Ref("SessionList"), ...problemResponses(401) },
      },
    },
    async (request) => ({ items: await listSessions(deps, requireUser(request)) }),
  );

  app.delete(
    "/auth/sessions/:id",
    {
      config: { access: "user", rateLimit: { tier: "user" } },
      schema: {
        operationId: "revokeSession",
        tags: ["auth"],
        summary: "Revoke one of the signed-in user's sessions",
        security: bearer,
        params: schemas.SessionParams,
        response: { 204: noContent, ...problemResponses(401, 404) },
      },
    },
    async (request, reply) => {
      await revokeOwnSession(deps, requireUser(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
}
