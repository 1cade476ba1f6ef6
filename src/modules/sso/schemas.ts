import { Type } from "@sinclair/typebox";
import { oidcCallbackParameters } from "../../platform/auth/oidc-code-exchange.ts";
import { pageSchema } from "../../platform/http/pagination.ts";
import { schemaRef } from "../../platform/openapi/schema-ref.ts";
import { accessTokenProperties, InlineUser } from "../identity/index.ts";

const DateTime = Type.String({ format: "date-time" });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
/** Mappings never grant ownership: owners are named in Rampart only. */
const MappedRole = Type.Union(
  [Type.Literal("admin"), Type.Literal("manager"), Type.Literal("member"), Type.Literal("viewer")],
  { $id: "SsoMappedRole", description: "A company role below owner" },
);
const ClaimName = Type.String({ minLength: 1, maxLength: 256 });
const HttpUrl = Type.String({ pattern: "^https?://[^\\s]+$", maxLength: 2048 });

const OidcInput = Type.Object(
  {
    issuer: Type.String({ ...HttpUrl, description: "The issuer URL; its /.well-known/openid-configuration is read" }),
    clientId: Type.String({ minLength: 1, maxLength: 512 }),
    clientSecret: Type.String({ minLength: 1, maxLength: 2048, description: "Sealed at rest, never returned" }),
    scopes: Type.Optional(
      Type.Array(Type.String({ pattern: "^[\\x21\\x23-\\x5B\\x5D-\\x7E]+$", maxLength: 128 }), { maxItems: 20 }),
    ),
  },
  { additionalProperties: false },
);
const OidcPatch = Type.Partial(OidcInput, { additionalProperties: false, minProperties: 1 });
export const SamlInput = Type.Object(
  {
    idpEntityId: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
    idpSsoUrl: Type.Optional(HttpUrl),
    idpCertificates: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 16384 }), { maxItems: 4 })),
    idpMetadataXml: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 524288,
        description: "The IdP's metadata (EntityDescriptor): fills idpEntityId, idpSsoUrl and idpCertificates",
      }),
    ),
    metadataUrl: Type.Optional(
      Type.String({
        ...HttpUrl,
        description: "Where to fetch the IdP's metadata instead (public addresses only, no redirects, 5 s, 512 KiB)",
      }),
    ),
    spEntityId: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 1024,
        description: "Rampart's entity id (audience) for this connection; default: its SP metadata URL",
      }),
    ),
    settings: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: "allowIdpInitiated, wantAuthnResponseSigned (booleans), clockSkewMs (0–300000), nameIdFormat",
        maxProperties: 8,
      }),
    ),
  },
  { additionalProperties: false },
);
const MappingInput = Type.Object(
  {
    emailClaim: Type.Optional(ClaimName),
    emailVerifiedClaim: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        description: "OIDC: the boolean claim saying the address is verified (email_verified; xms_edov for Entra ID)",
      }),
    ),
    nameClaim: Type.Optional(ClaimName),
    groupsClaim: Type.Optional(ClaimName),
    roles: Type.Optional(
      // By reference: an inline enum as a map's value type makes the client generator (orval)
      // emit a value where a type belongs.
      Type.Record(Type.String({ minLength: 1, maxLength: 256 }), schemaRef(MappedRole), {
        description: "IdP group → company role; the strongest mapped role of a person's groups wins",
        maxProperties: 200,
      }),
    ),
    defaultRole: Type.Optional(schemaRef(MappedRole)),
  },
  { additionalProperties: false },
);
const SessionMaxAge = Nullable(
  Type.Integer({ minimum: 300, maximum: 31_536_000, description: "Seconds an SSO session lives at most" }),
);

export const CreateSsoConnectionBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    protocol: Type.Union([Type.Literal("oidc"), Type.Literal("saml")]),
    enabled: Type.Optional(Type.Boolean()),
    oidc: Type.Optional(OidcInput),
    saml: Type.Optional(SamlInput),
    mapping: Type.Optional(MappingInput),
    sessionMaxAgeS: Type.Optional(SessionMaxAge),
  },
  { $id: "CreateSsoConnectionRequest", additionalProperties: false },
);
export const UpdateSsoConnectionBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    enabled: Type.Optional(Type.Boolean()),
    oidc: Type.Optional(OidcPatch),
    saml: Type.Optional(SamlInput),
    mapping: Type.Optional(MappingInput),
    sessionMaxAgeS: Type.Optional(SessionMaxAge),
  },
  { $id: "UpdateSsoConnectionRequest", additionalProperties: false, minProperties: 1 },
);

export const SsoConnection = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    companyId: Type.String({ format: "uuid" }),
    name: Type.String(),
    protocol: Type.Union([Type.Literal("oidc"), Type.Literal("saml")]),
    enabled: Type.Boolean(),
    oidc: Nullable(
      Type.Object(
        {
          issuer: Type.String(),
          clientId: Type.String(),
          clientSecretHint: Type.String({ description: "The secret's last characters at most; never the secret" }),
          scopes: Type.Array(Type.String()),
          redirectUri: Type.String({ description: "Register this at the identity provider" }),
        },
        { additionalProperties: false },
      ),
    ),
    saml: Nullable(
      Type.Object(
        {
          idpEntityId: Nullable(Type.String()),
          idpSsoUrl: Nullable(Type.String()),
          idpCertificates: Type.Array(Type.String()),
          hasMetadataXml: Type.Boolean(),
          spEntityId: Nullable(Type.String()),
          settings: Type.Record(Type.String(), Type.Unknown()),
          sp: Nullable(
            Type.Object(
              {
                entityId: Type.String({
                  description: "Rampart's entity id (Audience): spEntityId or the metadata URL",
                }),
                acsUrl: Type.String({ description: "The Assertion Consumer Service URL to register at the IdP" }),
                metadataUrl: Type.String({ description: "Rampart's SP metadata, for IdPs that import it" }),
              },
              { additionalProperties: false, description: "Give these to the identity provider" },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    mapping: Type.Object(
      {
        emailClaim: Type.String(),
        emailVerifiedClaim: Type.String(),
        nameClaim: Type.String(),
        groupsClaim: Type.String(),
        roles: Type.Record(Type.String(), Type.String()),
        defaultRole: Type.String(),
      },
      { additionalProperties: false },
    ),
    sessionMaxAgeS: Nullable(Type.Integer()),
    createdAt: DateTime,
    updatedAt: DateTime,
  },
  { $id: "SsoConnection", additionalProperties: false },
);
export const SsoConnectionPage = Type.Object(
  pageSchema(Type.Ref("SsoConnection"), "A page of SSO connections").properties,
  {
    $id: "SsoConnectionPage",
    additionalProperties: false,
  },
);
export const ConnectionParams = Type.Object({
  companyId: Type.String({ format: "uuid" }),
  connectionId: Type.String({ format: "uuid" }),
});

export const SsoDomain = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    domain: Type.String(),
    status: Type.Union([Type.Literal("pending"), Type.Literal("verified")]),
    txtRecord: Type.Object(
      { name: Type.String(), value: Type.String() },
      { additionalProperties: false, description: "Publish this TXT record, then call verify" },
    ),
    ssoRequired: Type.Boolean(),
    createdAt: DateTime,
    verifiedAt: Nullable(DateTime),
    lastCheckedAt: Nullable(DateTime),
  },
  { $id: "SsoDomain", additionalProperties: false },
);
export const SsoDomainList = Type.Object(
  { items: Type.Array(Type.Ref("SsoDomain")) },
  { $id: "SsoDomainList", additionalProperties: false },
);
export const ClaimDomainBody = Type.Object(
  {
    domain: Type.String({
      minLength: 3,
      maxLength: 253,
      pattern: "^(?=.{3,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,63}\\.?$",
      description: "A domain name such as example.com",
    }),
  },
  { $id: "ClaimSsoDomainRequest", additionalProperties: false },
);
export const DomainParams = Type.Object({
  companyId: Type.String({ format: "uuid" }),
  domainId: Type.String({ format: "uuid" }),
});
export const SsoPolicyBody = Type.Object(
  { ssoRequired: Type.Boolean() },
  { $id: "SsoDomainPolicyRequest", additionalProperties: false },
);
export const BreakGlassBody = Type.Object(
  { userIds: Type.Array(Type.String({ format: "uuid" }), { maxItems: 20, uniqueItems: true }) },
  { $id: "SsoBreakGlassRequest", additionalProperties: false },
);
export const BreakGlassList = Type.Object(
  { userIds: Type.Array(Type.String({ format: "uuid" })) },
  { $id: "SsoBreakGlassList", additionalProperties: false },
);

export const SsoStartBody = Type.Object(
  {
    email: Type.Optional(Type.String({ minLength: 3, maxLength: 320, pattern: "^[^\\s@]+@[^\\s@]+$" })),
    companySlug: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { $id: "SsoStartRequest", additionalProperties: false, minProperties: 1, maxProperties: 1 },
);
export const SsoStartResponse = Type.Object(
  {
    redirectUrl: Type.String({
      description:
        "Send the browser here. For an address or company without SSO this is the app's own sign-in page, with the same status and shape (docs/sso.md)",
    }),
  },
  { $id: "SsoStartResponse", additionalProperties: false },
);
// The redirect back of an OIDC connection: the standard parameters (an error answer may carry
// error_uri, RFC 6749 §4.1.2.1: refused with a 422 before, not the IdP's error).
export const OidcCallbackQuery = Type.Object(oidcCallbackParameters, { additionalProperties: false });
/** What a JSON client gets from an SSO callback (identity's TokenResponse, without the refresh token: it is in the cookie). */
export const SsoTokenResponse = Type.Object(
  { ...accessTokenProperties, user: InlineUser },
  { $id: "SsoTokenResponse", additionalProperties: false },
);
export const SsoTestResult = Type.Object(
  {
    testUrl: Type.String({ description: "Open in a browser and sign in at the IdP: nothing is created" }),
  },
  { $id: "SsoTestStart", additionalProperties: false },
);
export const SsoMappingReport = Type.Object(
  {
    dryRun: Type.Literal(true),
    connectionId: Type.String({ format: "uuid" }),
    subject: Type.String(),
    email: Nullable(Type.String()),
    emailVerified: Type.Boolean(),
    name: Nullable(Type.String()),
    groups: Type.Array(Type.String()),
    role: Type.String(),
    wouldSignIn: Type.Boolean(),
    refusal: Nullable(Type.String({ description: "The problem code a real sign-in would answer" })),
    accountExists: Type.Boolean(),
  },
  { $id: "SsoMappingReport", additionalProperties: false },
);

export const ssoSchemas = [
  MappedRole,
  CreateSsoConnectionBody,
  UpdateSsoConnectionBody,
  SsoConnection,
  SsoConnectionPage,
  SsoDomain,
  SsoDomainList,
  ClaimDomainBody,
  SsoPolicyBody,
  BreakGlassBody,
  BreakGlassList,
  SsoStartBody,
  SsoStartResponse,
  SsoTestResult,
  SsoMappingReport,
  SsoTokenResponse,
];
