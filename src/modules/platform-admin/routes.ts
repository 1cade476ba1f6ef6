import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import { requireUser } from "../../platform/access/access.ts";
import { problemResponses } from "../../platform/openapi/problem-responses.ts";
import { auditActorOf, operatorActorOf } from "../audit/index.ts";
import * as schemas from "./schemas.ts";
import {
  type AdminDeps,
  listCompanies,
  listUsers,
  resetUserFactors,
  setCompanySuspended,
  setUserSuspended,
  unlockUser,
} from "./service.ts";

export type AdminRouteOptions = AdminDeps;

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
        summary: "Every user account with its status; q searches email, name and id",
        querystring: schemas.AdminListQuery,
        response: { 200: Type.Ref("AdminUserPage") },
      },
    },
    async (request) => listUsers(options, request.query),
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
        const operatorId = requireUser(request).userId;
        return setUserSuspended(options, operatorId, request.params.id, suspended, auditActorOf(request));
      },
    );
  }

  app.post(
    "/admin/users/:id/reset-factors",
    {
      config,
      schema: {
        operationId: "adminResetUserFactors",
        tags,
        summary: "Remove a user's second factors and recovery codes (a lost device); the user is mailed",
        params: IdParams,
        response: {
          200: Type.Object(
            { factorsRemoved: Type.Integer() },
            { additionalProperties: false, description: "How many factors were removed" },
          ),
          ...problemResponses(404),
        },
      },
    },
    async (request) => resetUserFactors(options, request.params.id, auditActorOf(request)),
  );

  app.post(
    "/admin/users/:id/unlock",
    {
      config,
      schema: {
        operationId: "adminUnlockUser",
        tags,
        summary:
          "Lift the sign-in lockout of a user's address (too many wrong passwords): the failure and lockout counts start afresh",
        params: IdParams,
        response: { 200: Type.Ref("AdminUser"), ...problemResponses(404) },
      },
    },
    async (request) => unlockUser(options, request.params.id, auditActorOf(request)),
  );

  app.get(
    "/admin/companies",
    {
      config,
      schema: {
        operationId: "adminListCompanies",
        tags,
        summary: "Every company with its status; q searches name, slug and id",
        querystring: schemas.AdminListQuery,
        response: { 200: Type.Ref("CompanyPage") },
      },
    },
    async (request) => listCompanies(options, request.query),
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
      async (request) => setCompanySuspended(options, request.params.id, suspended, operatorActorOf(request)),
    );
  }
};
