import { Type } from "@sinclair/typebox";
import { schemaRef } from "../../platform/openapi/schema-ref.ts";
import { PasskeyAssertionCredential } from "./passkeys/schemas.ts";

const Password = Type.String({ minLength: 1, maxLength: 1024 });
const Code = Type.String({ pattern: "^[0-9]{6}$", description: "The 6-digit code the authenticator app shows now" });
const RecoveryCode = Type.String({
  minLength: 1,
  maxLength: 64,
  description: "One of the account's recovery codes (case and dashes do not matter); each works once",
});
const ClientType = Type.Optional(
  Type.Union([Type.Literal("browser"), Type.Literal("native")], {
    description: "browser (default): refresh token in an HttpOnly cookie only; native: in the response body only",
  }),
);
/** A passkey as the second factor: startAuthentication's result for the options of /auth/mfa/webauthn/options. */
const Webauthn = schemaRef(PasskeyAssertionCredential);
const Ticket = Type.String({ minLength: 1, maxLength: 512, description: "The ticket the password sign-in returned" });

/** The answer of a password sign-in when the account has a second factor: no tokens yet. */
export const MfaChallenge = Type.Object(
  {
    mfaRequired: Type.Literal(true),
    ticket: Ticket,
    factors: Type.Array(Type.String(), {
      description: "What completes the sign-in: totp, webauthn (a passkey), recovery_code",
    }),
    expiresIn: Type.Integer({ description: "Seconds the ticket stays valid" }),
  },
  { $id: "MfaChallenge", additionalProperties: false },
);

/**
 * One branch per kind of factor (a union, not optional fields: exactly one proof is
 * accepted per request).
 */
export const MfaVerifyBody = Type.Union(
  [
    Type.Object({ ticket: Ticket, code: Code, clientType: ClientType }, { additionalProperties: false }),
    Type.Object(
      { ticket: Ticket, recoveryCode: RecoveryCode, clientType: ClientType },
      { additionalProperties: false },
    ),
    Type.Object({ ticket: Ticket, webauthn: Webauthn, clientType: ClientType }, { additionalProperties: false }),
  ],
  { $id: "MfaVerifyRequest" },
);

export const MfaWebauthnOptionsBody = Type.Object(
  { ticket: Ticket },
  { $id: "MfaWebauthnOptionsRequest", additionalProperties: false },
);

export const ReauthenticateBody = Type.Union(
  [
    Type.Object({ password: Password }, { additionalProperties: false }),
    Type.Object({ code: Code, password: Type.Optional(Password) }, { additionalProperties: false }),
    Type.Object({ recoveryCode: RecoveryCode, password: Type.Optional(Password) }, { additionalProperties: false }),
    Type.Object({ webauthn: Webauthn, password: Type.Optional(Password) }, { additionalProperties: false }),
  ],
  {
    $id: "ReauthenticateRequest",
    description: "The password (accounts without a second factor) or a second factor (accounts with one)",
  },
);

export const ReauthenticateResponse = Type.Object(
  {
    accessToken: Type.String(),
    tokenType: Type.Literal("Bearer"),
    expiresIn: Type.Integer(),
    amr: Type.Array(Type.String(), { description: "RFC 8176 methods of this authentication" }),
    authTime: Type.Integer({ description: "When it happened, seconds since the epoch" }),
  },
  { $id: "ReauthenticateResponse", additionalProperties: false },
);

export const Factor = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    kind: Type.Literal("totp"),
    name: Type.String(),
    confirmed: Type.Boolean(),
    createdAt: Type.String({ format: "date-time" }),
    lastUsedAt: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
  },
  { $id: "Factor", additionalProperties: false },
);

export const FactorList = Type.Object(
  { items: Type.Array(Type.Ref("Factor")), recoveryCodesRemaining: Type.Integer() },
  { $id: "FactorList", additionalProperties: false },
);

export const EnrolTotpBody = Type.Object(
  { name: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: "\\S" })) },
  { $id: "EnrolTotpRequest", additionalProperties: false },
);

export const TotpEnrolment = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    kind: Type.Literal("totp"),
    uri: Type.String({ description: "otpauth:// URI for the authenticator app" }),
    qrSvg: Type.String({ description: "The URI as an SVG QR code" }),
    secret: Type.String({ description: "The base32 seed, for typing in by hand; shown only now" }),
  },
  { $id: "TotpEnrolment", additionalProperties: false },
);

export const ConfirmTotpBody = Type.Object({ code: Code }, { $id: "ConfirmTotpRequest", additionalProperties: false });

export const ConfirmedFactor = Type.Object(
  {
    factor: Type.Ref("Factor"),
    recoveryCodes: Type.Optional(
      Type.Array(Type.String(), { description: "With the first factor only: ten single-use codes, shown once" }),
    ),
  },
  { $id: "ConfirmedFactor", additionalProperties: false },
);

export const RemoveFactorBody = Type.Union(
  [
    Type.Object({ password: Password, code: Code }, { additionalProperties: false }),
    Type.Object({ password: Password, recoveryCode: RecoveryCode }, { additionalProperties: false }),
    Type.Object({ password: Password, webauthn: Webauthn }, { additionalProperties: false }),
  ],
  { $id: "RemoveFactorRequest", description: "The password and a current second factor" },
);

export const RecoveryCodes = Type.Object(
  {
    codes: Type.Array(Type.String(), {
      description: "Ten single-use codes, shown once; the previous set no longer works",
    }),
  },
  { $id: "RecoveryCodes", additionalProperties: false },
);

export const FactorParams = Type.Object({ id: Type.String({ format: "uuid" }) });

export const factorSchemas = [
  MfaChallenge,
  MfaVerifyBody,
  MfaWebauthnOptionsBody,
  ReauthenticateBody,
  ReauthenticateResponse,
  Factor,
  FactorList,
  EnrolTotpBody,
  TotpEnrolment,
  ConfirmTotpBody,
  ConfirmedFactor,
  RemoveFactorBody,
  RecoveryCodes,
];
