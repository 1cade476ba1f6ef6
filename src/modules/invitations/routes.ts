import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import type { FastifyRequest } from "fastify";
import { actingUserId, requireTenant, requireUser, requireVerifiedUser } from "../../platform/access/access.ts";
import { problemResponses } from "../../platform/openapi/problem-responses.ts";
import { schemaRef } from "../../platform/openapi/schema-ref.ts";
import { auditActorOf } from "../audit/index.ts";
import { CompanyParams } from "../companies/index.ts";
import { resendInvitation } from "./resend.ts";
import * as schemas from "./schemas.ts";
import * as invitations from "./service.ts";

export interface InvitationRouteOptions {
  readonly deps: invitations.InvitationsDeps;
}

/** The signed-in user or the API key that sends an invitation. */
function inviterOf(request: FastifyRequest): invitations.InvitationGrantor {
  const actor = request.actor;
  if (actor?.kind === "user") requireVerifiedUser(request);
  return { userId: actingUserId(request), apiKeyId: actor?.kind === "api_key" ? actor.keyId : null };
}

export const invitationRoutes: FastifyPluginAsyncTypebox<InvitationRouteOptions> = async (app, { deps }) => {
  for (const schema of schemas.invitationSchemas) app.addSchema(schema);
  const tags = ["invitations"];

  app.post(
    "/companies/:companyId/invitations",
    {
      config: { access: { permission: "members:invite" } },
      schema: {
        operationId: "createInvitation",
        tags,
        summary: "Invite someone by email, as a role no stronger than your own; the link works for 7 days",
        params: CompanyParams,
        body: schemaRef(schemas.CreateInvitationBody),
        response: { 201: Type.Ref("Invitation"), ...problemResponses(409) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      return reply
        .code(201)
        .send(
          await invitations.createInvitation(
            deps,
            requireTenant(request),
            inviterOf(request),
            body,
            auditActorOf(request),
          ),
        );
    },
  );

  app.get(
    "/companies/:companyId/invitations",
    {
      config: { access: { permission: "members:invite" } },
      schema: {
        operationId: "listInvitations",
        tags,
        summary:
          "The company's pending invitations that have not expired (with includeExpired, also those that lapsed)",
        params: CompanyParams,
        querystring: schemas.ListInvitationsQuery,
        response: { 200: Type.Ref("InvitationPage") },
      },
    },
    async (request) => invitations.listInvitations(deps, requireTenant(request), request.query),
  );

  app.delete(
    "/companies/:companyId/invitations/:invitationId",
    {
      config: { access: { permission: "members:invite" } },
      schema: {
        operationId: "revokeInvitation",
        tags,
        summary: "Revoke a pending invitation; its link stops working",
        params: schemas.InvitationParams,
        response: { 204: Type.Null({ description: "No content" }) },
      },
    },
    async (request, reply) => {
      const { invitationId } = request.params;
      await invitations.revokeInvitation(deps, requireTenant(request), invitationId, auditActorOf(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/companies/:companyId/invitations/:invitationId/resend",
    {
      config: { access: { permission: "members:invite" } },
      schema: {
        operationId: "resendInvitation",
        tags,
        summary:
          "Mail a pending invitation again (also one that lapsed) with a new link valid for 7 days; the previous link stops working",
        params: schemas.InvitationParams,
        response: { 200: Type.Ref("Invitation"), ...problemResponses(409) },
      },
    },
    async (request) => {
      const { invitationId } = request.params;
      return resendInvitation(deps, requireTenant(request), inviterOf(request), invitationId, auditActorOf(request));
    },
  );

  app.post(
    "/invitations/accept",
    {
      config: { access: "user" },
      schema: {
        operationId: "acceptInvitation",
        tags,
        summary: "Join the company of an invitation sent to the signed-in user's (verified) address",
        body: schemaRef(schemas.AcceptInvitationBody),
        response: { 200: Type.Ref("Company"), ...problemResponses(404, 409, 410) },
      },
    },
    async (request) => {
      const { token } = request.body;
      return invitations.acceptInvitation(deps, requireUser(request), token, auditActorOf(request));
    },
  );
};
