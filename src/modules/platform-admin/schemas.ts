import { Type } from "@sinclair/typebox";
import { PageQuerySchema, pageSchema } from "../../platform/http/pagination.ts";

export const AdminUser = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    email: Type.String(),
    name: Type.String(),
    emailVerified: Type.Boolean(),
    platformRole: Type.Union([Type.Literal("user"), Type.Literal("admin")]),
    status: Type.Union([Type.Literal("active"), Type.Literal("suspended"), Type.Literal("deleted")]),
    createdAt: Type.String({ format: "date-time" }),
    lockedUntil: Type.Union([Type.String({ format: "date-time" }), Type.Null()], {
      description:
        "When the sign-in lockout of the user's address ends (too many wrong passwords); null when it is not locked out. POST /admin/users/{id}/unlock lifts it.",
    }),
  },
  { $id: "AdminUser", additionalProperties: false },
);
export const AdminUserPage = Type.Object(pageSchema(Type.Ref("AdminUser"), "A page of users").properties, {
  $id: "AdminUserPage",
  additionalProperties: false,
});

/** An admin list's page, optionally narrowed by a search box. */
export const AdminListQuery = Type.Object(
  {
    ...PageQuerySchema.properties,
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: "Only the items whose name, email or slug contains this text (any case), or whose id it is",
      }),
    ),
  },
  { additionalProperties: false },
);

export const adminSchemas = [AdminUser, AdminUserPage];
