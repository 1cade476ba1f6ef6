import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import { actingUserId, requireTenant } from "../../platform/access/access.ts";
import { PageQuerySchema } from "../../platform/http/pagination.ts";
import { problemResponses } from "../../platform/openapi/problem-responses.ts";
import { schemaRef } from "../../platform/openapi/schema-ref.ts";
import { auditActorOf } from "../audit/index.ts";
import { CompanyParams } from "../companies/index.ts";
import * as schemas from "./schemas.ts";
import * as partners from "./service.ts";

export interface PartnerRouteOptions {
  readonly deps: partners.PartnersDeps;
}

export const partnerRoutes: FastifyPluginAsyncTypebox<PartnerRouteOptions> = async (app, { deps }) => {
  for (const schema of schemas.partnerSchemas) app.addSchema(schema);
  const tags = ["partners"];

  app.post(
    "/companies/:companyId/partners",
    {
      config: { access: { permission: "partners:manage" } },
      schema: {
        operationId: "requestPartnership",
        tags,
        summary: "Ask another company (by slug) to become a partner with the given scopes",
        params: CompanyParams,
        body: schemaRef(schemas.CreatePartnershipBody),
        response: { 201: Type.Ref("Partnership"), ...problemResponses(409) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const created = await partners.requestPartnership(
        deps,
        requireTenant(request),
        actingUserId(request),
        body,
        auditActorOf(request),
      );
      return reply.code(201).send(created);
    },
  );

  app.get(
    "/companies/:companyId/partners",
    {
      config: { access: { permission: "partners:read" } },
      schema: {
        operationId: "listPartnerships",
        tags,
        summary: "The company's partnerships, requested by it (outgoing) or of it (incoming)",
        params: CompanyParams,
        querystring: PageQuerySchema,
        response: { 200: Type.Ref("PartnershipPage") },
      },
    },
    async (request) => partners.listPartnerships(deps, requireTenant(request), request.query),
  );

  for (const [action, decision, summary] of [
    ["accept", "active", "Accept a partnership another company requested"],
    ["reject", "rejected", "Reject a partnership another company requested"],
  ] as const) {
    app.post(
      `/companies/:companyId/partners/:partnershipId/${action}`,
      {
        config: { access: { permission: "partners:manage" } },
        schema: {
          operationId: `${action}Partnership`,
          tags,
          summary,
          description: "Only the company that received the request decides; the requester gets 403.",
          params: schemas.PartnershipParams,
          response: { 200: Type.Ref("Partnership"), ...problemResponses(409) },
        },
      },
      async (request) => {
        const { partnershipId } = request.params;
        const tenant = requireTenant(request);
        return partners.decidePartnership(
          deps,
          tenant,
          actingUserId(request),
          partnershipId,
          decision,
          auditActorOf(request),
        );
      },
    );
  }

  app.delete(
    "/companies/:companyId/partners/:partnershipId",
    {
      config: { access: { permission: "partners:manage" } },
      schema: {
        operationId: "revokePartnership",
        tags,
        summary: "End a partnership (either side; also withdraws or declines a pending request)",
        params: schemas.PartnershipParams,
        response: { 204: Type.Null({ description: "No content" }), ...problemResponses(409) },
      },
    },
    async (request, reply) => {
      const { partnershipId } = request.params;
      const by = actingUserId(request);
      await partners.revokePartnership(deps, requireTenant(request), by, partnershipId, auditActorOf(request));
      return reply.code(204).send(null);
    },
  );
};
