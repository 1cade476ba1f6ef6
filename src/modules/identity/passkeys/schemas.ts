import { Type } from "@sinclair/typebox";
import { schemaRef } from "../../../platform/openapi/schema-ref.ts";

// WebAuthn's JSON forms (W3C WebAuthn Level 3, "toJSON"), as @simplewebauthn/browser's
// startRegistration/startAuthentication produce and consume them. The credential objects
// allow members beyond the ones read here: browsers add members over time (e.g.
// `publicKey` in the registration response), and refusing them would break sign-in.

const base64url = (maxLength: number) => Type.String({ pattern: "^[A-Za-z0-9_-]*$", maxLength });
const open = { additionalProperties: true } as const;

const CredentialDescriptor = Type.Object(
  {
    id: base64url(1366),
    type: Type.Literal("public-key"),
    transports: Type.Optional(Type.Array(Type.String())),
  },
  open,
);

export const PasskeyCreationOptions = Type.Object(
  {
    challenge: base64url(128),
    rp: Type.Object({ id: Type.Optional(Type.String()), name: Type.String() }, open),
    user: Type.Object({ id: base64url(128), name: Type.String(), displayName: Type.String() }, open),
    pubKeyCredParams: Type.Array(Type.Object({ type: Type.Literal("public-key"), alg: Type.Integer() }, open)),
    timeout: Type.Optional(Type.Integer()),
    excludeCredentials: Type.Optional(Type.Array(CredentialDescriptor)),
    authenticatorSelection: Type.Optional(
      Type.Object(
        {
          residentKey: Type.Optional(Type.String()),
          requireResidentKey: Type.Optional(Type.Boolean()),
          userVerification: Type.Optional(Type.String()),
        },
        open,
      ),
    ),
    attestation: Type.Optional(Type.String()),
    extensions: Type.Optional(Type.Object({}, open)),
    hints: Type.Optional(Type.Array(Type.String())),
  },
  {
    $id: "PasskeyCreationOptions",
    ...open,
    description: "publicKey options for navigator.credentials.create (JSON form: pass to startRegistration)",
  },
);

export const PasskeyRequestOptions = Type.Object(
  {
    challenge: base64url(128),
    rpId: Type.Optional(Type.String()),
    timeout: Type.Optional(Type.Integer()),
    allowCredentials: Type.Optional(Type.Array(CredentialDescriptor)),
    userVerification: Type.Optional(Type.String()),
    extensions: Type.Optional(Type.Object({}, open)),
    hints: Type.Optional(Type.Array(Type.String())),
  },
  {
    $id: "PasskeyRequestOptions",
    ...open,
    description: "publicKey options for navigator.credentials.get (JSON form: pass to startAuthentication)",
  },
);

const credentialHead = {
  id: base64url(1366),
  rawId: base64url(1366),
  type: Type.Literal("public-key"),
  authenticatorAttachment: Type.Optional(Type.String({ maxLength: 32 })),
  clientExtensionResults: Type.Optional(Type.Object({}, open)),
};

export const PasskeyRegistrationCredential = Type.Object(
  {
    ...credentialHead,
    response: Type.Object(
      {
        clientDataJSON: base64url(8192),
        attestationObject: base64url(65536),
        transports: Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { maxItems: 16 })),
      },
      open,
    ),
  },
  { $id: "PasskeyRegistrationCredential", ...open, description: "The result of startRegistration" },
);

export const PasskeyAssertionCredential = Type.Object(
  {
    ...credentialHead,
    response: Type.Object(
      {
        clientDataJSON: base64url(8192),
        authenticatorData: base64url(8192),
        signature: base64url(2048),
        userHandle: Type.Optional(base64url(128)),
      },
      open,
    ),
  },
  { $id: "PasskeyAssertionCredential", ...open, description: "The result of startAuthentication" },
);

const PasskeyName = Type.String({ minLength: 1, maxLength: 100, pattern: "\\S" });

export const RegisterPasskeyBody = Type.Object(
  { name: Type.Optional(PasskeyName), credential: schemaRef(PasskeyRegistrationCredential) },
  { $id: "RegisterPasskeyRequest", additionalProperties: false },
);

export const PasskeySignInBody = Type.Object(
  {
    credential: schemaRef(PasskeyAssertionCredential),
    clientType: Type.Optional(
      Type.Union([Type.Literal("browser"), Type.Literal("native")], {
        description: "browser (default): refresh token in an HttpOnly cookie only; native: in the response body only",
      }),
    ),
  },
  { $id: "PasskeySignInRequest", additionalProperties: false },
);

export const RenamePasskeyBody = Type.Object(
  { name: PasskeyName },
  { $id: "RenamePasskeyRequest", additionalProperties: false },
);

export const Passkey = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    name: Type.String(),
    deviceType: Type.Union([Type.Literal("singleDevice"), Type.Literal("multiDevice")], {
      description:
        "multiDevice: a synced passkey (backed up to a cloud keychain); singleDevice: bound to one authenticator",
    }),
    transports: Type.Array(Type.String()),
    createdAt: Type.String({ format: "date-time" }),
    lastUsedAt: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
  },
  { $id: "Passkey", additionalProperties: false },
);

export const PasskeyList = Type.Object(
  { items: Type.Array(Type.Ref("Passkey")) },
  { $id: "PasskeyList", additionalProperties: false },
);

export const PasskeyParams = Type.Object({ id: Type.String({ format: "uuid" }) });

export const passkeySchemas = [
  PasskeyCreationOptions,
  PasskeyRequestOptions,
  PasskeyRegistrationCredential,
  PasskeyAssertionCredential,
  RegisterPasskeyBody,
  PasskeySignInBody,
  RenamePasskeyBody,
  Passkey,
  PasskeyList,
];
