import { Type } from "@sinclair/typebox";
import { PageQuerySchema, pageSchema } from "../../platform/http/pagination.ts";
import { schemaRef } from "../../platform/openapi/schema-ref.ts";
import { RoleSchema } from "../companies/index.ts";

export const Invitation = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    email: Type.String({ description: "The invited address, normalised (lower-case)" }),
    role: Type.Ref("Role"),
    invitedBy: Type.Union([Type.String({ format: "uuid" }), Type.Null()], {
      description: "The inviting user; null when an API key invited",
    }),
    invitedByApiKey: Type.Union([Type.String({ format: "uuid" }), Type.Null()], {
      description:
        "The inviting API key, when a key invited. Accepting requires that the inviter (or the key's creator) still may invite as this role.",
    }),
    createdAt: Type.String({ format: "date-time" }),
    expiresAt: Type.String({ format: "date-time" }),
  },
  { $id: "Invitation", additionalProperties: false },
);
export const InvitationPage = Type.Object(
  pageSchema(Type.Ref("Invitation"), "A page of pending invitations").properties,
  { $id: "InvitationPage", additionalProperties: false },
);
export const CreateInvitationBody = Type.Object(
  {
    email: Type.String({ format: "email", maxLength: 254 }),
    role: schemaRef(RoleSchema),
  },
  { $id: "CreateInvitationRequest", additionalProperties: false },
);
export const AcceptInvitationBody = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 512, description: "The token of the mailed link" }) },
  { $id: "AcceptInvitationRequest", additionalProperties: false },
);
export const ListInvitationsQuery = Type.Object(
  {
    ...PageQuerySchema.properties,
    includeExpired: Type.Optional(
      Type.Boolean({
        default: false,
        description:
          "Also list pending invitations whose link lapsed (expiresAt in the past): they can be resent, or revoked",
      }),
    ),
  },
  { additionalProperties: false },
);
export const InvitationParams = Type.Object({
  companyId: Type.String({ format: "uuid" }),
  invitationId: Type.String({ format: "uuid" }),
});

export const invitationSchemas = [Invitation, InvitationPage, CreateInvitationBody, AcceptInvitationBody];
