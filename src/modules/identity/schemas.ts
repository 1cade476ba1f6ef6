import { Type } from "@sinclair/typebox";

const Email = Type.String({ format: "email", maxLength: 254, description: "Email address" });
// Bounds here are generous on purpose; the password policy gives the precise, field-level message.
const Password = Type.String({ minLength: 1, maxLength: 1024 });
// At least one non-space character: the name is stored trimmed, and "   " would be stored as "".
const PersonName = Type.String({ minLength: 1, maxLength: 200, pattern: "\\S" });

export const RegisterBody = Type.Object(
  { email: Email, password: Password, name: PersonName },
  { $id: "RegisterRequest", additionalProperties: false },
);
export const RegisterResponse = Type.Object(
  { email: Type.String(), status: Type.Literal("verification_sent") },
  { $id: "RegisterResponse", additionalProperties: false, description: "Identical for new and existing addresses" },
);
export const EmailBody = Type.Object({ email: Email }, { $id: "EmailRequest", additionalProperties: false });
export const TokenBody = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 512 }) },
  { $id: "TokenRequest", additionalProperties: false },
);
export const Accepted = Type.Object(
  { status: Type.Literal("accepted") },
  { $id: "Accepted", additionalProperties: false, description: "Always returned, whether or not the address is known" },
);

export const User = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    email: Type.String(),
    name: Type.String(),
    emailVerified: Type.Boolean(),
    platformRole: Type.Union([Type.Literal("user"), Type.Literal("admin")]),
    createdAt: Type.String({ format: "date-time" }),
  },
  { $id: "User", additionalProperties: false },
);

export const LoginBody = Type.Object(
  {
    email: Email,
    password: Password,
    clientType: Type.Optional(
      Type.Union([Type.Literal("browser"), Type.Literal("native")], {
        description: "browser (default): refresh token in an HttpOnly cookie only; native: in the response body only",
      }),
    ),
  },
  { $id: "LoginRequest", additionalProperties: false },
);

/** The access token in a sign-in's answer: TokenResponse's, and the federated sign-ins' (sso, social). */
export const accessTokenProperties = {
  accessToken: Type.String(),
  tokenType: Type.Literal("Bearer"),
  expiresIn: Type.Integer({ description: "Seconds until the access token expires" }),
};

/** The User component's shape inline, where an answer's schema spells it out instead of a $ref. */
export const InlineUser = Type.Object(User.properties, { additionalProperties: false });

export const TokenResponse = Type.Object(
  {
    ...accessTokenProperties,
    refreshToken: Type.Optional(
      Type.String({ description: "Only for native clients; browsers get an HttpOnly cookie" }),
    ),
    user: Type.Optional(Type.Ref("User")),
  },
  { $id: "TokenResponse", additionalProperties: false },
);

export const RefreshBody = Type.Object(
  { refreshToken: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })) },
  { $id: "RefreshRequest", additionalProperties: false },
);

export const Session = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    current: Type.Boolean(),
    device: Type.Union([Type.String(), Type.Null()]),
    ip: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String({ format: "date-time" }),
    lastUsedAt: Type.String({ format: "date-time" }),
    expiresAt: Type.String({ format: "date-time" }),
  },
  { $id: "Session", additionalProperties: false },
);
export const SessionList = Type.Object(
  { items: Type.Array(Type.Ref("Session")) },
  { $id: "SessionList", additionalProperties: false },
);
export const SessionParams = Type.Object({ id: Type.String({ format: "uuid" }) });

export const ResetPasswordBody = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 512 }), password: Password },
  { $id: "ResetPasswordRequest", additionalProperties: false },
);
export const ChangePasswordBody = Type.Object(
  { currentPassword: Password, newPassword: Password },
  { $id: "ChangePasswordRequest", additionalProperties: false },
);
export const UpdateMeBody = Type.Object({ name: PersonName }, { $id: "UpdateMeRequest", additionalProperties: false });
export const DeleteMeBody = Type.Object(
  {
    password: Type.Optional({
      ...Password,
      description:
        "The current password; required when the account has one. An account without one (SSO or social sign-in only) proves itself by a recent sign-in (step-up).",
    }),
  },
  { $id: "DeleteMeRequest", additionalProperties: false },
);
export const identitySchemas = [
  RegisterBody,
  RegisterResponse,
  EmailBody,
  TokenBody,
  Accepted,
  User,
  LoginBody,
  TokenResponse,
  RefreshBody,
  Session,
  SessionList,
  ResetPasswordBody,
  ChangePasswordBody,
  UpdateMeBody,
  DeleteMeBody,
];
