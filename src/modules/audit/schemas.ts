import { Type } from "@sinclair/typebox";
import { DateTime } from "../../platform/http/date-time.ts";
import { PageQuerySchema } from "../../platform/http/pagination.ts";

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

export const AuditEvent = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    occurredAt: Type.String({ format: "date-time" }),
    actor: Type.Object(
      {
        type: Type.Union([Type.Literal("user"), Type.Literal("api_key"), Type.Literal("system")]),
        id: Nullable(Type.String({ description: "null when the caller was not authenticated (a failed login)" })),
      },
      { additionalProperties: false },
    ),
    companyId: Nullable(Type.String({ description: "null for platform events" })),
    action: Type.String({ examples: ["member.role_changed"] }),
    target: Type.Union([
      Type.Object({ type: Type.String(), id: Nullable(Type.String()) }, { additionalProperties: false }),
      Type.Null(),
    ]),
    ip: Nullable(Type.String()),
    userAgent: Nullable(Type.String()),
    personalDigest: Nullable(
      Type.String({
        pattern: "^[0-9a-f]{64}$",
        description: "Salted digest of ip and userAgent that the hash covers instead of them (null on v1 events)",
      }),
    ),
    requestId: Nullable(Type.String()),
    metadata: Type.Record(Type.String(), Type.Unknown(), { description: "Before/after values; never secrets" }),
    sequence: Type.Integer({ minimum: 1, description: "Position in the stream's hash chain" }),
    prevHash: Type.String({ pattern: "^[0-9a-f]{64}$" }),
    hash: Type.String({ pattern: "^[0-9a-f]{64}$", description: "sha256 of the event and prevHash (docs/audit.md)" }),
  },
  { $id: "AuditEvent", additionalProperties: false },
);

export const AuditEventPage = Type.Object(
  {
    items: Type.Array(Type.Ref("AuditEvent")),
    nextCursor: Nullable(Type.String({ description: "Pass as `cursor` for the next (older) page; null on the last" })),
  },
  { $id: "AuditEventPage", additionalProperties: false },
);

const filters = {
  action: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 100,
      pattern: "^[a-z0-9_]+(\\.[a-z0-9_]+)*(\\.\\*)?$",
      description: "An exact action (`member.role_changed`) or a prefix ending in `.*` (`auth.*`)",
    }),
  ),
  actorType: Type.Optional(Type.Union([Type.Literal("user"), Type.Literal("api_key"), Type.Literal("system")])),
  actorId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  from: Type.Optional(DateTime({ description: "Inclusive lower bound of occurredAt" })),
  to: Type.Optional(DateTime({ description: "Exclusive upper bound of occurredAt" })),
};

export const ListQuery = Type.Object(
  {
    ...filters,
    ...PageQuerySchema.properties,
  },
  { additionalProperties: false },
);

export const AdminListQuery = Type.Object(
  {
    ...ListQuery.properties,
    companyId: Type.Optional(
      Type.String({
        pattern: "^(platform|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$",
        description: "One company's events (its id), `platform` for platform events; absent: every stream",
      }),
    ),
  },
  { additionalProperties: false },
);

export const ExportQuery = Type.Object(
  { ...filters, format: Type.Union([Type.Literal("ndjson"), Type.Literal("csv")], { default: "ndjson" }) },
  { additionalProperties: false },
);

export const AdminExportQuery = Type.Object(
  { ...ExportQuery.properties, companyId: AdminListQuery.properties.companyId },
  { additionalProperties: false },
);

export const AuditEventPageRef = Type.Ref("AuditEventPage");

export const CompanyParams = Type.Object(
  { companyId: Type.String({ format: "uuid" }) },
  { additionalProperties: false },
);

export const auditSchemas = [AuditEvent, AuditEventPage];
