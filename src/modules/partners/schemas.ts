import { Type } from "@sinclair/typebox";
import { PARTNER_SCOPES } from "../../platform/access/permissions.ts";
import { pageSchema } from "../../platform/http/pagination.ts";
import { Slug } from "../companies/index.ts";

const Scope = Type.Union(
  PARTNER_SCOPES.map((scope) => Type.Literal(scope)),
  { $id: "PartnerScope", description: "A permission a partnership may grant to the other company's members" },
);

export const Partnership = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    direction: Type.Union([Type.Literal("incoming"), Type.Literal("outgoing")], {
      description: "outgoing: this company asked; incoming: the other company asked",
    }),
    company: Type.Object(
      { id: Type.String({ format: "uuid" }), slug: Type.String(), name: Type.String() },
      { additionalProperties: false, description: "The other company" },
    ),
    status: Type.Union([
      Type.Literal("pending"),
      Type.Literal("active"),
      Type.Literal("rejected"),
      Type.Literal("revoked"),
    ]),
    scopes: Type.Array(Type.Ref("PartnerScope"), {
      description: "What each side's members may do in the other company (never more than their own role allows)",
    }),
    createdAt: Type.String({ format: "date-time" }),
    updatedAt: Type.String({ format: "date-time" }),
  },
  { $id: "Partnership", additionalProperties: false },
);
export const PartnershipPage = Type.Object(
  pageSchema(Type.Ref("Partnership"), "A page of partnerships, both directions").properties,
  { $id: "PartnershipPage", additionalProperties: false },
);
export const CreatePartnershipBody = Type.Object(
  {
    partnerSlug: Slug,
    scopes: Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: 32 }),
  },
  { $id: "CreatePartnershipRequest", additionalProperties: false },
);
export const PartnershipParams = Type.Object({
  companyId: Type.String({ format: "uuid" }),
  partnershipId: Type.String({ format: "uuid" }),
});

export const partnerSchemas = [Scope, Partnership, PartnershipPage, CreatePartnershipBody];
