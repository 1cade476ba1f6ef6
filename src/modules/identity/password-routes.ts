import { Type } from "@sinclair/typebox";
import { requireUser } from "../../platform/access/access.ts";
import { problemResponses } from "../../platform/openapi/problem-responses.ts";
import { schemaRef } from "../../platform/openapi/schema-ref.ts";
import { changePassword } from "./account.ts";
import { forgotPassword, resetPassword } from "./password-reset.ts";
import {
  authRoute,
  bearer,
  contextOf,
  type IdentityApp,
  type IdentityRouteOptions,
  noContent,
  perAccountRoute,
} from "./route-support.ts";
import * as schemas from "./schemas.ts";

/** Forgotten and changed passwords (password-reset.ts; the change is the account's, account.ts). */
export function registerPasswordRoutes(app: IdentityApp, { deps }: IdentityRouteOptions): void {
  app.post(
    "/auth/password/forgot",
    {
      ...perAccountRoute(deps, "reset-mail"),
      schema: {
        operationId: "forgotPassword",
        tags: ["auth"],
        summary: "Mail a password reset link (always 202)",
        security: [],
        body: schemaRef(schemas.EmailBody),
        response: { 202: Type.Ref("Accepted") },
      },
    },
    async (request, reply) => {
      await forgotPassword(deps, request.body.email);
      return reply.code(202).send({ status: "accepted" as const });
    },
  );

  app.post(
    "/auth/password/reset",
    {
      ...authRoute(deps),
      schema: {
        operationId: "resetPassword",
        tags: ["auth"],
        summary: "Set a new password with the token from the reset mail; ends every session",
        security: [],
        body: schemaRef(schemas.ResetPasswordBody),
        response: { 204: noContent },
      },
    },
    async (request, reply) => {
      await resetPassword(deps, request.body, contextOf(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/auth/password/change",
    {
      ...authRoute(deps),
      config: { access: "user", rateLimit: { tier: "user" }, stepUp: true },
      schema: {
        operationId: "changePassword",
        tags: ["auth"],
        summary: "Change the password; ends every other session",
        security: bearer,
        body: schemaRef(schemas.ChangePasswordBody),
        response: { 204: noContent, ...problemResponses(401) },
      },
    },
    async (request, reply) => {
      await changePassword(deps, requireUser(request), request.body, contextOf(request));
      return reply.code(204).send(null);
    },
  );
}
