import { Type } from "@sinclair/typebox";
import { oidcCallbackParameters } from "../../platform/auth/oidc-code-exchange.ts";
import { accessTokenProperties, InlineUser } from "../identity/index.ts";

const DateTime = Type.String({ format: "date-time" });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const ProviderParams = Type.Object(
  { provider: Type.String({ pattern: "^[a-z][a-z0-9-]{0,31}$", description: "google, microsoft, github or oidc" }) },
  { additionalProperties: false },
);
export const IdentityParams = Type.Object(
  { identityId: Type.String({ format: "uuid" }) },
  { additionalProperties: false },
);

export const SocialProviderList = Type.Object(
  {
    providers: Type.Array(
      Type.Object(
        {
          key: Type.String({ description: "The {provider} of the start and callback paths" }),
          name: Type.String({ description: "What to show on the button" }),
          protocol: Type.Union([Type.Literal("oidc"), Type.Literal("github")]),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { $id: "SocialProviderList", additionalProperties: false },
);

export const SocialStartResponse = Type.Object(
  { redirectUrl: Type.String({ description: "Send the browser here (the provider's authorization page)" }) },
  { $id: "SocialStartResponse", additionalProperties: false },
);

export const SocialCallbackQuery = Type.Object(
  {
    ...oidcCallbackParameters,
    // Google's additions to its redirect back.
    authuser: Type.Optional(Type.String({ maxLength: 64 })),
    prompt: Type.Optional(Type.String({ maxLength: 256 })),
    hd: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { additionalProperties: false },
);

/** What a JSON client gets from a sign-in callback: the access token (the refresh token is in the cookie). */
export const SocialTokenResponse = Type.Object(
  {
    ...accessTokenProperties,
    created: Type.Boolean({ description: "True when this sign-in created the account" }),
    user: InlineUser,
  },
  { $id: "SocialTokenResponse", additionalProperties: false },
);

export const LinkedIdentity = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    provider: Type.String(),
    providerName: Type.String(),
    email: Nullable(Type.String({ description: "The address the provider gave when it was linked or last used" })),
    createdAt: DateTime,
    lastUsedAt: Nullable(DateTime),
  },
  { $id: "LinkedIdentity", additionalProperties: false },
);

export const LinkedIdentityList = Type.Object(
  { identities: Type.Array(Type.Ref("LinkedIdentity")) },
  { $id: "LinkedIdentityList", additionalProperties: false },
);

export const socialSchemas = [
  SocialProviderList,
  SocialStartResponse,
  SocialTokenResponse,
  LinkedIdentity,
  LinkedIdentityList,
];
