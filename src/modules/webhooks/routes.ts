import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import { requireTenant, requireUser } from "../../platform/access/access.ts";
import { PageQuerySchema } from "../../platform/http/pagination.ts";
import { schemaRef } from "../../platform/openapi/schema-ref.ts";
import { auditActorOf } from "../audit/index.ts";
import { CompanyParams } from "../companies/index.ts";
import * as schemas from "./schemas.ts";
import * as webhooks from "./service.ts";

export interface WebhookRouteOptions {
  readonly deps: webhooks.WebhooksDeps;
}

export const webhookRoutes: FastifyPluginAsyncTypebox<WebhookRouteOptions> = async (app, { deps }) => {
  for (const schema of schemas.webhookSchemas) app.addSchema(schema);
  const tags = ["webhooks"];
  const read = { access: { permission: "webhooks:read" as const } };
  const manage = { access: { permission: "webhooks:manage" as const } };

  app.post(
    "/companies/:companyId/webhooks",
    {
      config: manage,
      schema: {
        operationId: "createWebhookEndpoint",
        tags,
        summary: "Add a webhook endpoint; its signing secret is in this response only",
        params: CompanyParams,
        body: schemaRef(schemas.CreateWebhookEndpointBody),
        response: { 201: Type.Ref("WebhookEndpointWithSecret") },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const created = await webhooks.createEndpoint(
        deps,
        requireTenant(request),
        requireUser(request),
        body,
        auditActorOf(request),
      );
      return reply.code(201).send(created);
    },
  );

  app.get(
    "/companies/:companyId/webhooks",
    {
      config: read,
      schema: {
        operationId: "listWebhookEndpoints",
        tags,
        summary: "The company's webhook endpoints (never their secrets)",
        params: CompanyParams,
        querystring: PageQuerySchema,
        response: { 200: Type.Ref("WebhookEndpointPage") },
      },
    },
    async (request) => webhooks.listEndpoints(deps, requireTenant(request), request.query),
  );

  app.get(
    "/companies/:companyId/webhooks/:endpointId",
    {
      config: read,
      schema: {
        operationId: "getWebhookEndpoint",
        tags,
        summary: "One webhook endpoint",
        params: schemas.EndpointParams,
        response: { 200: Type.Ref("WebhookEndpoint") },
      },
    },
    async (request) => webhooks.getEndpoint(deps, requireTenant(request), request.params.endpointId),
  );

  app.patch(
    "/companies/:companyId/webhooks/:endpointId",
    {
      config: manage,
      schema: {
        operationId: "updateWebhookEndpoint",
        tags,
        summary: "Change an endpoint's URL, description or events, or disable / re-enable it",
        params: schemas.EndpointParams,
        body: schemaRef(schemas.UpdateWebhookEndpointBody),
        response: { 200: Type.Ref("WebhookEndpoint") },
      },
    },
    async (request) =>
      webhooks.updateEndpoint(
        deps,
        requireTenant(request),
        request.params.endpointId,
        request.body,
        auditActorOf(request),
      ),
  );

  app.delete(
    "/companies/:companyId/webhooks/:endpointId",
    {
      config: manage,
      schema: {
        operationId: "deleteWebhookEndpoint",
        tags,
        summary: "Remove an endpoint and its delivery history",
        params: schemas.EndpointParams,
        response: { 204: Type.Null({ description: "No content" }) },
      },
    },
    async (request, reply) => {
      await webhooks.deleteEndpoint(deps, requireTenant(request), request.params.endpointId, auditActorOf(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/companies/:companyId/webhooks/:endpointId/rotate-secret",
    {
      config: manage,
      schema: {
        operationId: "rotateWebhookSecret",
        tags,
        summary: "A new signing secret (shown once); the previous one also signs until previousSecretExpiresAt",
        params: schemas.EndpointParams,
        response: { 200: Type.Ref("WebhookEndpointWithSecret") },
      },
    },
    async (request) =>
      webhooks.rotateSecret(deps, requireTenant(request), request.params.endpointId, auditActorOf(request)),
  );

  app.get(
    "/companies/:companyId/webhooks/:endpointId/deliveries",
    {
      config: read,
      schema: {
        operationId: "listWebhookDeliveries",
        tags,
        summary: "The endpoint's deliveries, newest first, with status, response code and latency",
        params: schemas.EndpointParams,
        querystring: PageQuerySchema,
        response: { 200: Type.Ref("WebhookDeliveryPage") },
      },
    },
    async (request) => webhooks.listDeliveries(deps, requireTenant(request), request.params.endpointId, request.query),
  );

  app.post(
    "/companies/:companyId/webhooks/:endpointId/deliveries/:deliveryId/redeliver",
    {
      config: manage,
      schema: {
        operationId: "redeliverWebhook",
        tags,
        summary: "Send a delivery again (same message id), with a fresh retry window",
        params: schemas.DeliveryParams,
        response: { 202: Type.Ref("WebhookDelivery") },
      },
    },
    async (request, reply) => {
      const { endpointId, deliveryId } = request.params;
      const delivery = await webhooks.redeliver(
        deps,
        requireTenant(request),
        endpointId,
        deliveryId,
        auditActorOf(request),
      );
      return reply.code(202).send(delivery);
    },
  );
};
