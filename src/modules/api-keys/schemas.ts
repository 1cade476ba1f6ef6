import { Type } from "@sinclair/typebox";
import { API_KEY_SCOPES } from "../../platform/access/permissions.ts";
import { DateTime } from "../../platform/http/date-time.ts";
import { pageSchema } from "../../platform/http/pagination.ts";

const Scope = Type.Union(
  API_KEY_SCOPES.map((scope) => Type.Literal(scope)),
  { $id: "ApiKeyScope", description: "A permission an API key may hold" },
);

const keyProperties = {
  id: Type.String({ format: "uuid" }),
  name: Type.String(),
  prefix: Type.String({ description: "The key's public start (rk_…), to recognise it in lists and logs" }),
  scopes: Type.Array(Type.Ref("ApiKeyScope")),
  createdAt: Type.String({ format: "date-time" }),
  expiresAt: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
  lastUsedAt: Type.Union([Type.String({ format: "date-time" }), Type.Null()], {
    description: "Updated at most once a minute",
  }),
  createdBy: Type.Union([Type.String({ format: "uuid" }), Type.Null()], {
    description: "The user who created the key. The key never acts with more than this user's current rights here.",
  }),
  status: Type.Union([Type.Literal("active"), Type.Literal("expired")], {
    description: "expired: past expiresAt, refused on use; revoke it to remove it from the list",
  }),
};

export const ApiKey = Type.Object(keyProperties, { $id: "ApiKey", additionalProperties: false });
export const CreatedApiKey = Type.Object(
  { ...keyProperties, key: Type.String({ description: "The whole key. Shown once: store it now." }) },
  { $id: "CreatedApiKey", additionalProperties: false },
);
export const ApiKeyPage = Type.Object(pageSchema(Type.Ref("ApiKey"), "A page of API keys").properties, {
  $id: "ApiKeyPage",
  additionalProperties: false,
});
export const CreateApiKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, pattern: "\\S" }),
    scopes: Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: 32 }),
    expiresAt: Type.Optional(DateTime({ description: "When the key stops working; omitted: until revoked" })),
  },
  { $id: "CreateApiKeyRequest", additionalProperties: false },
);
export const ApiKeyParams = Type.Object({
  companyId: Type.String({ format: "uuid" }),
  keyId: Type.String({ format: "uuid" }),
});

export const apiKeySchemas = [Scope, ApiKey, CreatedApiKey, ApiKeyPage, CreateApiKeyBody];
