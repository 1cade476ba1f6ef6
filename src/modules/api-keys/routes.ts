import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import { requireTenant, requireUser } from "../../platform/access/access.ts";
import { PageQuerySchema } from "../../platform/http/pagination.ts";
import { schemaRef } from "../../platform/openapi/schema-ref.ts";
import { auditActorOf } from "../audit/index.ts";
import { CompanyParams } from "../companies/index.ts";
import * as schemas from "./schemas.ts";
import * as apiKeys from "./service.ts";

export interface ApiKeyRouteOptions {
  readonly deps: apiKeys.ApiKeysDeps;
}

export const apiKeyRoutes: FastifyPluginAsyncTypebox<ApiKeyRouteOptions> = async (app, { deps }) => {
  for (const schema of schemas.apiKeySchemas) app.addSchema(schema);
  const tags = ["api-keys"];

  app.post(
    "/companies/:companyId/api-keys",
    {
      config: { access: { permission: "api_keys:manage" }, stepUp: true },
      schema: {
        operationId: "createApiKey",
        tags,
        summary: "Create an API key; its secret is in this response only",
        params: CompanyParams,
        body: schemaRef(schemas.CreateApiKeyBody),
        response: { 201: Type.Ref("CreatedApiKey") },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const created = await apiKeys.createApiKey(
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
    "/companies/:companyId/api-keys",
    {
      config: { access: { permission: "api_keys:read" } },
      schema: {
        operationId: "listApiKeys",
        tags,
        summary: "The company's active API keys (never their secrets)",
        params: CompanyParams,
        querystring: PageQuerySchema,
        response: { 200: Type.Ref("ApiKeyPage") },
      },
    },
    async (request) => apiKeys.listApiKeys(deps, requireTenant(request), request.query),
  );

  app.delete(
    "/companies/:companyId/api-keys/:keyId",
    {
      config: { access: { permission: "api_keys:manage" } },
      schema: {
        operationId: "revokeApiKey",
        tags,
        summary: "Revoke an API key; it stops working at once on every instance",
        params: schemas.ApiKeyParams,
        response: { 204: Type.Null({ description: "No content" }) },
      },
    },
    async (request, reply) => {
      const { keyId } = request.params;
      await apiKeys.revokeApiKey(deps, requireTenant(request), keyId, auditActorOf(request));
      return reply.code(204).send(null);
    },
  );
};
