import fastifyCookie from "@fastify/cookie";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import type { FastifyRequest } from "fastify";
import { bearerToken, requireUser } from "../../platform/access/access.ts";
import { problemResponses } from "../../platform/openapi/problem-responses.ts";
import { allSources, userExportSchema } from "./account-data.ts";
import { assertAllowedOrigin, clearRefreshCookie, REFRESH_COOKIE, setRefreshCookie } from "./cookies.ts";
import { identityErrors } from "./errors.ts";
import * as schemas from "./schemas.ts";
import { normalizeEmail } from "./secrets.ts";
import * as identity from "./service.ts";

export interface IdentityRouteOptions {
  readonly deps: identity.IdentityDeps;
  /** Origins allowed to make cookie-authenticated requests (CSRF defence). */
  readonly allowedOrigins: readonly string[];
}

const noContent = Type.Null({ description: "No content" });

function contextOf(request: FastifyRequest): identity.RequestContext {
  return { ip: request.ip ?? null, userAgent: request.headers["user-agent"] ?? null, requestId: request.id };
}

function asUserActor(request: FastifyRequest): identity.UserActor {
  return requireUser(request);
}

export const identityRoutes: FastifyPluginAsyncTypebox<IdentityRouteOptions> = async (
  app,
  { deps, allowedOrigins },
) => {
  for (const schema of schemas.identitySchemas) app.addSchema(schema);
  app.addSchema(userExportSchema(allSources(deps.personalData)));
  identity.registerIdentityMailRequests(deps);
  // Only the refresh routes use a cookie: registered here, its parsing and serialising hooks
  // run on this module's routes and not on every request of the API.
  await app.register(fastifyCookie);
  // Small bodies only on credential routes (AUTH_BODY_LIMIT): argon2 should never see megabytes.
  const auth = {
    bodyLimit: deps.config.AUTH_BODY_LIMIT,
    config: { access: "public", rateLimit: { tier: "auth" } },
  } as const;
  const bearer = [{ bearerAuth: [] }];
  const presentedRefreshToken = (request: FastifyRequest) =>
    (request.body as { refreshToken?: string } | undefined)?.refreshToken ?? request.cookies[REFRESH_COOKIE];
  const sessionOfPresented = async (request: FastifyRequest) => {
    const presented = presentedRefreshToken(request);
    return presented ? identity.sessionOfRefreshToken(deps, presented) : undefined;
  };
  // Login and the mail-sending routes also have a budget per target address, whatever the client IP.
  const emailOf = (request: FastifyRequest) => normalizeEmail((request.body as { email: string }).email);
  const perAccount = (scope: string) =>
    ({ ...auth, config: { ...auth.config, accountRateLimit: { scope, accountOf: emailOf } } }) as const;

  app.post(
    "/auth/register",
    {
      ...auth,
      // The signup flag closes registrations (403 feature.disabled) without a deploy.
      config: { ...auth.config, feature: "signup" },
      schema: {
        operationId: "register",
        tags: ["auth"],
        summary: "Create an account; the same answer whether or not the address is already registered",
        security: [],
        body: Type.Ref("RegisterRequest"),
        response: { 201: Type.Ref("RegisterResponse"), ...problemResponses(403) },
      },
    },
    async (request, reply) => {
      const { email } = await identity.register(deps, request.body as identity.RegisterInput, contextOf(request));
      return reply.code(201).send({ email, status: "verification_sent" as const });
    },
  );

  app.post(
    "/auth/verify-email",
    {
      ...auth,
      schema: {
        operationId: "verifyEmail",
        tags: ["auth"],
        summary: "Confirm an email address with the token from the verification mail",
        security: [],
        body: Type.Ref("TokenRequest"),
        response: { 200: Type.Ref("User") },
      },
    },
    async (request) => identity.verifyEmail(deps, (request.body as { token: string }).token),
  );

  app.post(
    "/auth/resend-verification",
    {
      ...perAccount("verify-mail"),
      schema: {
        operationId: "resendVerification",
        tags: ["auth"],
        summary: "Send the verification mail again (always 202)",
        security: [],
        body: Type.Ref("EmailRequest"),
        response: { 202: Type.Ref("Accepted") },
      },
    },
    async (request, reply) => {
      await identity.resendVerification(deps, (request.body as { email: string }).email);
      return reply.code(202).send({ status: "accepted" as const });
    },
  );

  app.post(
    "/auth/login",
    {
      ...perAccount("login"),
      schema: {
        operationId: "login",
        tags: ["auth"],
        summary: "Sign in with email and password",
        security: [],
        body: Type.Ref("LoginRequest"),
        response: { 200: Type.Ref("TokenResponse"), ...problemResponses(401, 403) },
      },
    },
    async (request, reply) => {
      const body = request.body as { email: string; password: string; clientType?: "browser" | "native" };
      const result = await identity.login(deps, body, contextOf(request));
      const native = body.clientType === "native";
      if (!native) setRefreshCookie(reply, deps.config, result.refreshToken);
      return {
        accessToken: result.accessToken,
        tokenType: result.tokenType,
        expiresIn: result.expiresIn,
        refreshToken: native ? result.refreshToken : undefined,
        user: result.user,
      };
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
        security: [],
        body: Type.Ref("RefreshRequest"),
        response: { 200: Type.Ref("TokenResponse"), ...problemResponses(401, 403) },
      },
    },
    async (request, reply) => {
      const fromBody = (request.body as { refreshToken?: string } | undefined)?.refreshToken;
      const presented = presentedRefreshToken(request);
      if (!presented) throw identityErrors.invalidRefreshToken();
      if (!fromBody) assertAllowedOrigin(request, allowedOrigins);
      try {
        const pair = await identity.refresh(deps, presented, contextOf(request));
        if (!fromBody) setRefreshCookie(reply, deps.config, pair.refreshToken);
        return {
          accessToken: pair.accessToken,
          tokenType: pair.tokenType,
          expiresIn: pair.expiresIn,
          refreshToken: fromBody ? pair.refreshToken : undefined,
        };
      } catch (error) {
        if (!fromBody) clearRefreshCookie(reply, deps.config);
        throw error;
      }
    },
  );

  app.post(
    "/auth/logout",
    {
      ...auth,
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
        const actor = await identity.authenticateAccessToken(deps, bearerToken(request) ?? "");
        if (!actor) throw identityErrors.invalidRefreshToken();
        await identity.logout(deps, actor);
      } else {
        const cookie = request.cookies[REFRESH_COOKIE];
        if (!cookie) throw identityErrors.invalidRefreshToken();
        assertAllowedOrigin(request, allowedOrigins);
        await identity.logoutByRefreshToken(deps, cookie);
      }
      clearRefreshCookie(reply, deps.config);
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/auth/logout-all",
    {
      ...auth,
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
      await identity.logoutAll(deps, asUserActor(request));
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
    async (request) => ({ items: await identity.listSessions(deps, asUserActor(request)) }),
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
      await identity.revokeOwnSession(deps, asUserActor(request), (request.params as { id: string }).id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/auth/password/forgot",
    {
      ...perAccount("reset-mail"),
      schema: {
        operationId: "forgotPassword",
        tags: ["auth"],
        summary: "Mail a password reset link (always 202)",
        security: [],
        body: Type.Ref("EmailRequest"),
        response: { 202: Type.Ref("Accepted") },
      },
    },
    async (request, reply) => {
      await identity.forgotPassword(deps, (request.body as { email: string }).email);
      return reply.code(202).send({ status: "accepted" as const });
    },
  );

  app.post(
    "/auth/password/reset",
    {
      ...auth,
      schema: {
        operationId: "resetPassword",
        tags: ["auth"],
        summary: "Set a new password with the token from the reset mail; ends every session",
        security: [],
        body: Type.Ref("ResetPasswordRequest"),
        response: { 204: noContent },
      },
    },
    async (request, reply) => {
      await identity.resetPassword(deps, request.body as { token: string; password: string }, contextOf(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/auth/password/change",
    {
      ...auth,
      config: { access: "user", rateLimit: { tier: "user" } },
      schema: {
        operationId: "changePassword",
        tags: ["auth"],
        summary: "Change the password; ends every other session",
        security: bearer,
        body: Type.Ref("ChangePasswordRequest"),
        response: { 204: noContent, ...problemResponses(401) },
      },
    },
    async (request, reply) => {
      await identity.changePassword(
        deps,
        asUserActor(request),
        request.body as { currentPassword: string; newPassword: string },
        contextOf(request),
      );
      return reply.code(204).send(null);
    },
  );

  app.get(
    "/users/me",
    {
      config: { access: "user", rateLimit: { tier: "user" } },
      schema: {
        operationId: "getMe",
        tags: ["users"],
        summary: "The signed-in user",
        security: bearer,
        response: { 200: Type.Ref("User"), ...problemResponses(401) },
      },
    },
    async (request) => identity.getMe(deps, asUserActor(request)),
  );

  app.patch(
    "/users/me",
    {
      config: { access: "user", rateLimit: { tier: "user" } },
      schema: {
        operationId: "updateMe",
        tags: ["users"],
        summary: "Change the signed-in user's name",
        security: bearer,
        body: Type.Ref("UpdateMeRequest"),
        response: { 200: Type.Ref("User"), ...problemResponses(401) },
      },
    },
    async (request) => identity.updateMe(deps, asUserActor(request), request.body as { name: string }),
  );

  app.delete(
    "/users/me",
    {
      bodyLimit: deps.config.AUTH_BODY_LIMIT,
      config: { access: "user", rateLimit: { tier: "user" } },
      schema: {
        operationId: "deleteMe",
        tags: ["users"],
        summary: "Deactivate the account and scrub personal data (requires the password)",
        description:
          "Refused with 409 account.sole_owner, naming the companies, while the account is the only owner of a company that is not deleted. A deleted account is removed from every company it belonged to.",
        security: bearer,
        body: Type.Ref("DeleteMeRequest"),
        response: { 204: noContent, ...problemResponses(401, 409) },
      },
    },
    async (request, reply) => {
      await identity.deleteMe(deps, asUserActor(request), request.body as { password: string }, contextOf(request));
      clearRefreshCookie(reply, deps.config);
      return reply.code(204).send(null);
    },
  );

  app.get(
    "/users/me/export",
    {
      config: { access: "user", rateLimit: { tier: "user" } },
      schema: {
        operationId: "exportMe",
        tags: ["users"],
        summary: "Everything Rampart stores about the signed-in user, as JSON",
        security: bearer,
        response: { 200: Type.Ref("UserExport"), ...problemResponses(401) },
      },
    },
    async (request, reply) => {
      reply.header("content-disposition", 'attachment; filename="rampart-export.json"');
      return identity.exportMe(deps, asUserActor(request));
    },
  );
};
