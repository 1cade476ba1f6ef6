import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import { requireTenant, requireUser, requireVerifiedUser } from "../../platform/access/access.ts";
import { requireStepUp } from "../../platform/access/step-up.ts";
import { PageQuerySchema } from "../../platform/http/pagination.ts";
import { problemResponses } from "../../platform/openapi/problem-responses.ts";
import { schemaRef } from "../../platform/openapi/schema-ref.ts";
import { auditActorOf } from "../audit/index.ts";
import * as lifecycle from "./lifecycle.ts";
import * as members from "./members.ts";
import { getMfaPolicy, setMfaPolicy } from "./mfa-policy.ts";
import * as schemas from "./schemas.ts";
import type * as companies from "./service.ts";

export interface CompanyRouteOptions {
  readonly deps: companies.CompaniesDeps;
  readonly profiles: companies.UserProfiles;
}

const noContent = Type.Null({ description: "No content" });

export const companyRoutes: FastifyPluginAsyncTypebox<CompanyRouteOptions> = async (app, { deps, profiles }) => {
  const tags = ["companies"];

  app.post(
    "/companies",
    {
      config: { access: "user" },
      schema: {
        operationId: "createCompany",
        tags,
        summary: "Create a company; the caller becomes its owner",
        body: schemaRef(schemas.CreateCompanyBody),
        response: { 201: Type.Ref("Company"), ...problemResponses(409) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      return reply
        .code(201)
        .send(await lifecycle.createCompany(deps, requireVerifiedUser(request), body, auditActorOf(request)));
    },
  );

  app.get(
    "/companies",
    {
      config: { access: "user" },
      schema: {
        operationId: "listMyCompanies",
        tags,
        summary: "The companies the caller belongs to, with their role",
        querystring: PageQuerySchema,
        response: { 200: Type.Ref("CompanyPage") },
      },
    },
    async (request) => lifecycle.listMyCompanies(deps, requireUser(request), request.query),
  );

  app.get(
    "/companies/:companyId",
    {
      config: { access: { permission: "company:read" } },
      schema: {
        operationId: "getCompany",
        tags,
        summary: "A company's profile",
        params: schemas.CompanyParams,
        response: { 200: Type.Ref("Company") },
      },
    },
    async (request) => lifecycle.getCompany(deps, requireTenant(request)),
  );

  app.patch(
    "/companies/:companyId",
    {
      config: { access: { permission: "company:update" } },
      schema: {
        operationId: "updateCompany",
        tags,
        summary: "Rename a company or change its slug",
        params: schemas.CompanyParams,
        body: schemaRef(schemas.UpdateCompanyBody),
        response: { 200: Type.Ref("Company"), ...problemResponses(409) },
      },
    },
    async (request) => lifecycle.updateCompany(deps, requireTenant(request), request.body, auditActorOf(request)),
  );

  app.delete(
    "/companies/:companyId",
    {
      config: { access: { permission: "company:delete" }, stepUp: true },
      schema: {
        operationId: "deleteCompany",
        tags,
        summary: "Delete a company (soft: it answers 404 from now on, its slug stays reserved)",
        params: schemas.CompanyParams,
        response: { 204: noContent },
      },
    },
    async (request, reply) => {
      await lifecycle.deleteCompany(deps, requireTenant(request), auditActorOf(request));
      return reply.code(204).send(null);
    },
  );

  app.get(
    "/companies/:companyId/mfa-policy",
    {
      config: { access: { permission: "company:read" } },
      schema: {
        operationId: "getCompanyMfaPolicy",
        tags,
        summary: "Whether every member needs a second factor, and since when",
        params: schemas.CompanyParams,
        response: { 200: Type.Ref("MfaPolicy") },
      },
    },
    async (request) => getMfaPolicy(deps, requireTenant(request)),
  );

  app.put(
    "/companies/:companyId/mfa-policy",
    {
      config: { access: { permission: "company:security" }, stepUp: true },
      schema: {
        operationId: "setCompanyMfaPolicy",
        tags,
        summary: "Require (or stop requiring) a second factor of every member; members are mailed",
        description:
          "While required, a member without a confirmed second factor gets 403 mfa.enrollment_required on every route of the company, and can still enrol one (/auth/factors).",
        params: schemas.CompanyParams,
        body: schemaRef(schemas.MfaPolicyBody),
        response: { 200: Type.Ref("MfaPolicy") },
      },
    },
    async (request) =>
      setMfaPolicy(deps, profiles, requireTenant(request), request.body.requireMfa, auditActorOf(request)),
  );

  app.get(
    "/companies/:companyId/members",
    {
      config: { access: { permission: "members:read" } },
      schema: {
        operationId: "listMembers",
        tags,
        summary: "A company's members and their roles",
        params: schemas.CompanyParams,
        querystring: PageQuerySchema,
        response: { 200: Type.Ref("MemberPage") },
      },
    },
    async (request) => members.listMembers(deps, profiles, requireTenant(request), request.query),
  );

  app.patch(
    "/companies/:companyId/members/:userId",
    {
      config: { access: { permission: "members:update" }, stepUp: { when: "the new role is admin or owner" } },
      schema: {
        operationId: "changeMemberRole",
        tags,
        summary: "Change a member's role (never above your own; a company keeps at least one owner)",
        params: schemas.MemberParams,
        body: schemaRef(schemas.ChangeRoleBody),
        response: { 204: noContent, ...problemResponses(409) },
      },
    },
    async (request, reply) => {
      const { userId } = request.params;
      const { role } = request.body;
      // Making someone admin or owner hands out the power to manage keys and members.
      if (role === "admin" || role === "owner") await requireStepUp(request);
      await members.changeMemberRole(deps, requireTenant(request), userId, role, auditActorOf(request));
      return reply.code(204).send(null);
    },
  );

  app.delete(
    "/companies/:companyId/members/:userId",
    {
      config: { access: { permission: "members:remove" } },
      schema: {
        operationId: "removeMember",
        tags,
        summary: "Remove a member (not one who outranks you, not the last owner)",
        params: schemas.MemberParams,
        response: { 204: noContent, ...problemResponses(409) },
      },
    },
    async (request, reply) => {
      const { userId } = request.params;
      await members.removeMember(deps, requireTenant(request), userId, auditActorOf(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/companies/:companyId/leave",
    {
      config: { access: { permission: "membership:leave" } },
      schema: {
        operationId: "leaveCompany",
        tags,
        summary: "Leave a company (the last owner must transfer ownership first)",
        params: schemas.CompanyParams,
        response: { 204: noContent, ...problemResponses(409) },
      },
    },
    async (request, reply) => {
      await members.leaveCompany(deps, requireTenant(request), requireUser(request), auditActorOf(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/companies/:companyId/transfer-ownership",
    {
      config: { access: { permission: "company:transfer" }, stepUp: true },
      schema: {
        operationId: "transferOwnership",
        tags,
        summary: "Make another member owner; you stay on as admin",
        params: schemas.CompanyParams,
        body: schemaRef(schemas.TransferOwnershipBody),
        response: { 204: noContent },
      },
    },
    async (request, reply) => {
      const { userId } = request.body;
      await members.transferOwnership(
        deps,
        requireTenant(request),
        requireUser(request),
        userId,
        auditActorOf(request),
      );
      return reply.code(204).send(null);
    },
  );
};
