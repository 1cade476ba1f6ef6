import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import { requireUser } from "../../platform/access/access.ts";
import { ConflictError } from "../../platform/errors/app-error.ts";
import { type PageQuery, PageQuerySchema } from "../../platform/http/pagination.ts";
import { problemResponses } from "../../platform/openapi/problem-responses.ts";
import { auditActorOf, operatorActorOf } from "../audit/index.ts";
import * as companies from "../companies/index.ts";
import * as identity from "../identity/index.ts";
import * as schemas from "./schemas.ts";

export interface AdminRouteOptions {
  readonly identity: identity.IdentityDeps;
  readonly companies: companies.CompaniesDeps;
}

const IdParams = Type.Object({ id: Type.String({ format: "uuid" }) });

/**
 * Platform administration: every route here is for platform admins only and works across
 * tenants through the modules' own service functions.
 */
export const adminRoutes: FastifyPluginAsyncTypebox<AdminRouteOptions> = async (app, options) => {
  for (const schema of schemas.adminSchemas) app.addSchema(schema);
  const config = { access: "platform_admin", rateLimit: { tier: "admin" } } as const;
  const tags = ["admin"];

  app.get(
    "/admin/users",
    {
      config,
      schema: {
        operationId: "adminListUsers",
        tags,
        summary: "Every user account with its status",
        querystring: PageQuerySchema,
        response: { 200: Type.Ref("AdminUserPage") },
      },
    },
    async (request) => identity.listUsers(options.identity, request.query),
  );

  for (const suspended of [true, false]) {
    app.post(
      `/admin/users/:id/${suspended ? "suspend" : "unsuspend"}`,
      {
        config,
        schema: {
          operationId: suspended ? "adminSuspendUser" : "adminUnsuspendUser",
          tags,
          summary: suspended
            ? "Suspend a user: their tokens and sessions stop working at once"
            : "Lift a user's suspension (they sign in again)",
          params: IdParams,
          response: { 200: Type.Ref("AdminUser"), ...problemResponses(404, 409) },
        },
      },
      async (request) => {
        const { id } = request.params;
        if (suspended && id === requireUser(request).userId) {
          throw new ConflictError("admin.self_suspension", "You cannot suspend your own account.");
        }
        return identity.setUserSuspended(options.identity, id, suspended, auditActorOf(request));
      },
    );
  }

  app.get(
    "/admin/companies",
    {
      config,
      schema: {
        operationId: "adminListCompanies",
        tags,
        summary: "Every company with its status",
        querystring: PageQuerySchema,
        response: { 200: Type.Ref("CompanyPage") },
      },
    },
    async (request) => companies.listAllCompanies(options.companies, request.query),
  );

  for (const suspended of [true, false]) {
    app.post(
      `/admin/companies/:id/${suspended ? "suspend" : "unsuspend"}`,
      {
        config,
        schema: {
          operationId: suspended ? "adminSuspendCompany" : "adminUnsuspendCompany",
          tags,
          summary: suspended
            ? "Suspend a company: its members and keys get 403 on its resources"
            : "Lift a company's suspension",
          params: IdParams,
          response: { 200: Type.Ref("Company"), ...problemResponses(404) },
        },
      },
      async (request) => {
        const { id } = request.params;
        // Existence and status are checked on the locked row: a deleted company stays deleted.
        const status = suspended ? "suspended" : "active";
        return companies.setCompanyStatus(options.companies, id, status, operatorActorOf(request));
      },
    );
  }
};
