import { Type } from "@sinclair/typebox";
import { pageSchema } from "../../platform/http/pagination.ts";

const DateTime = Type.String({ format: "date-time" });
const NullableDateTime = Type.Union([DateTime, Type.Null()]);
const EventType = Type.String({
  pattern: "^(\\*|[a-z_]+\\.[a-z_]+)$",
  maxLength: 64,
  description: "An audit action such as member.role_changed, or * for every event",
});
const Url = Type.String({ minLength: 1, maxLength: 2048, description: "http(s) URL that receives the POSTs" });

const endpointProperties = {
  id: Type.String({ format: "uuid" }),
  url: Type.String(),
  description: Type.String(),
  eventTypes: Type.Array(Type.String()),
  enabled: Type.Boolean(),
  status: Type.Union([Type.Literal("enabled"), Type.Literal("disabled")]),
  disabledReason: Type.Union([Type.String(), Type.Null()], {
    description: "Why it is disabled: by a user, or after repeated failed messages",
  }),
  createdBy: Type.Union([Type.String({ format: "uuid" }), Type.Null()], {
    description: "It receives only while this user may still manage the company's webhooks",
  }),
  createdAt: DateTime,
  updatedAt: DateTime,
  previousSecretExpiresAt: Type.Union([DateTime, Type.Null()], {
    description: "After a rotation, until when the previous secret also signs",
  }),
};

export const WebhookEndpoint = Type.Object(endpointProperties, { $id: "WebhookEndpoint", additionalProperties: false });
export const WebhookEndpointWithSecret = Type.Object(
  {
    ...endpointProperties,
    secret: Type.String({ description: "The signing secret (whsec_…). Shown once: store it now." }),
  },
  { $id: "WebhookEndpointWithSecret", additionalProperties: false },
);
export const WebhookEndpointPage = Type.Object(
  pageSchema(Type.Ref("WebhookEndpoint"), "A page of webhook endpoints").properties,
  { $id: "WebhookEndpointPage", additionalProperties: false },
);
export const CreateWebhookEndpointBody = Type.Object(
  {
    url: Url,
    description: Type.Optional(Type.String({ maxLength: 200 })),
    eventTypes: Type.Array(EventType, { minItems: 1, maxItems: 64 }),
  },
  { $id: "CreateWebhookEndpointRequest", additionalProperties: false },
);
export const UpdateWebhookEndpointBody = Type.Object(
  {
    url: Type.Optional(Url),
    description: Type.Optional(Type.String({ maxLength: 200 })),
    eventTypes: Type.Optional(Type.Array(EventType, { minItems: 1, maxItems: 64 })),
    enabled: Type.Optional(Type.Boolean({ description: "true re-enables a disabled endpoint" })),
  },
  { $id: "UpdateWebhookEndpointRequest", additionalProperties: false, minProperties: 1 },
);
export const WebhookDelivery = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    eventId: Type.String({ format: "uuid", description: "Also the message id: webhook-id is msg_<eventId>" }),
    eventType: Type.String(),
    status: Type.Union([
      Type.Literal("pending"),
      Type.Literal("succeeded"),
      Type.Literal("failed"),
      Type.Literal("cancelled"),
    ]),
    attempts: Type.Integer(),
    responseStatus: Type.Union([Type.Integer(), Type.Null()], { description: "The last attempt's HTTP status" }),
    latencyMs: Type.Union([Type.Integer(), Type.Null()], { description: "The last attempt's duration" }),
    lastError: Type.Union([Type.String(), Type.Null()]),
    lastAttemptAt: NullableDateTime,
    nextAttemptAt: NullableDateTime,
    finishedAt: NullableDateTime,
  },
  { $id: "WebhookDelivery", additionalProperties: false },
);
export const WebhookDeliveryPage = Type.Object(
  pageSchema(Type.Ref("WebhookDelivery"), "A page of deliveries, newest first").properties,
  { $id: "WebhookDeliveryPage", additionalProperties: false },
);
export const EndpointParams = Type.Object({
  companyId: Type.String({ format: "uuid" }),
  endpointId: Type.String({ format: "uuid" }),
});
export const DeliveryParams = Type.Object({
  companyId: Type.String({ format: "uuid" }),
  endpointId: Type.String({ format: "uuid" }),
  deliveryId: Type.String({ format: "uuid" }),
});

export const webhookSchemas = [
  WebhookEndpoint,
  WebhookEndpointWithSecret,
  WebhookEndpointPage,
  CreateWebhookEndpointBody,
  UpdateWebhookEndpointBody,
  WebhookDelivery,
  WebhookDeliveryPage,
];
