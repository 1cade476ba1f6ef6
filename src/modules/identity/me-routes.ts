import { Type } from "@sinclair/typebox";
import { requireUser } from "../../platform/access/access.ts";
import { problemResponses } from "../../platform/openapi/problem-responses.ts";
import { schemaRef } from "../../platform/openapi/schema-ref.ts";
import { deleteMe, exportMe, getMe, updateMe } from "./account.ts";
import { clearRefreshCookie } from "./cookies.ts";
import { bearer, contextOf, type IdentityApp, type IdentityRouteOptions, noContent } from "./route-support.ts";
import * as schemas from "./schemas.ts";

/** The signed-in user's own account: profile, deletion and export (account.ts). */
export function registerMeRoutes(app: IdentityApp, { deps }: IdentityRouteOptions): void {
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
    async (request) => getMe(deps, requireUser(request)),
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
        body: schemaRef(schemas.UpdateMeBody),
        response: { 200: Type.Ref("User"), ...problemResponses(401) },
      },
    },
    async (request) => updateMe(deps, requireUser(request), request.body),
  );

  app.delete(
    "/users/me",
    {
      bodyLimit: deps.config.AUTH_BODY_LIMIT,
      config: { access: "user", rateLimit: { tier: "user" }, stepUp: true },
      schema: {
        operationId: "deleteMe",
        tags: ["users"],
        summary:
          "Deactivate the account and scrub personal data (the password, when the account has one; always a recent sign-in)",
        description:
          "Refused with 409 account.sole_owner, naming the companies, while the account is the only owner of a company that is not deleted. A deleted account is removed from every company it belonged to.",
        security: bearer,
        body: schemaRef(schemas.DeleteMeBody),
        response: { 204: noContent, ...problemResponses(401, 409) },
      },
    },
    async (request, reply) => {
      await deleteMe(deps, requireUser(request), request.body ?? {}, contextOf(request));
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
      return exportMe(deps, requireUser(request));
    },
  );
}
