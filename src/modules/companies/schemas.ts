import { Type } from "@sinclair/typebox";
import { ROLES } from "../../platform/access/permissions.ts";
import { pageSchema } from "../../platform/http/pagination.ts";
import { schemaRef } from "../../platform/openapi/schema-ref.ts";

export const SLUG_PATTERN = "^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$";

export const Slug = Type.String({
  pattern: SLUG_PATTERN,
  minLength: 3,
  maxLength: 63,
  description: "Lower-case letters, digits and inner dashes; 3–63 characters; unique",
  examples: ["acme-corp"],
});
const CompanyName = Type.String({ minLength: 1, maxLength: 200, pattern: "\\S" });

export const RoleSchema = Type.Union(
  ROLES.map((role) => Type.Literal(role)),
  { $id: "Role", description: "Company role, strongest first: owner, admin, manager, member, viewer" },
);

export const Company = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    name: Type.String(),
    slug: Type.String(),
    status: Type.Union([Type.Literal("active"), Type.Literal("suspended"), Type.Literal("deleted")]),
    createdAt: Type.String({ format: "date-time" }),
    updatedAt: Type.String({ format: "date-time" }),
    myRole: Type.Optional(Type.Ref("Role", { description: "The caller's role, when the caller is a member" })),
  },
  { $id: "Company", additionalProperties: false },
);
export const CompanyPage = Type.Object(pageSchema(Type.Ref("Company"), "A page of companies").properties, {
  $id: "CompanyPage",
  additionalProperties: false,
});

export const CreateCompanyBody = Type.Object(
  { name: CompanyName, slug: Slug },
  { $id: "CreateCompanyRequest", additionalProperties: false },
);
export const UpdateCompanyBody = Type.Object(
  { name: Type.Optional(CompanyName), slug: Type.Optional(Slug) },
  { $id: "UpdateCompanyRequest", additionalProperties: false, minProperties: 1 },
);

export const Member = Type.Object(
  {
    userId: Type.String({ format: "uuid" }),
    email: Type.String(),
    name: Type.String(),
    role: Type.Ref("Role"),
    joinedAt: Type.String({ format: "date-time" }),
  },
  { $id: "Member", additionalProperties: false },
);
export const MemberPage = Type.Object(pageSchema(Type.Ref("Member"), "A page of members").properties, {
  $id: "MemberPage",
  additionalProperties: false,
});
export const ChangeRoleBody = Type.Object(
  { role: schemaRef(RoleSchema) },
  { $id: "ChangeRoleRequest", additionalProperties: false },
);
export const MfaPolicyBody = Type.Object(
  { requireMfa: Type.Boolean({ description: "Whether every member must have a second factor" }) },
  { $id: "MfaPolicyRequest", additionalProperties: false },
);
export const MfaPolicy = Type.Object(
  {
    requireMfa: Type.Boolean(),
    since: Type.Union([Type.String({ format: "date-time" }), Type.Null()], {
      description: "Since when it is required",
    }),
  },
  { $id: "MfaPolicy", additionalProperties: false },
);
export const TransferOwnershipBody = Type.Object(
  { userId: Type.String({ format: "uuid" }) },
  { $id: "TransferOwnershipRequest", additionalProperties: false },
);

export const CompanyParams = Type.Object({ companyId: Type.String({ format: "uuid" }) });
export const MemberParams = Type.Object({
  companyId: Type.String({ format: "uuid" }),
  userId: Type.String({ format: "uuid" }),
});

export const companySchemas = [
  RoleSchema,
  Company,
  CompanyPage,
  CreateCompanyBody,
  UpdateCompanyBody,
  Member,
  MemberPage,
  ChangeRoleBody,
  MfaPolicyBody,
  MfaPolicy,
  TransferOwnershipBody,
];
