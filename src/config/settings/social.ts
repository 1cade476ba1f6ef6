import { Type } from "@sinclair/typebox";
import type { ConfigRule, SettingGroup } from "../setting.ts";

const url = (description: string) =>
  Type.String({ pattern: "^https?://[^\\s]+$", description: `an http:// or https:// URL: ${description}` });
const clientId = Type.String({ minLength: 1, maxLength: 500 });
const secret = Type.String({ minLength: 1, maxLength: 1000 });

/**
 * Social sign-in, platform-wide (docs/social-sign-in.md). A provider is enabled when its
 * client id and secret are both set; Google and Microsoft are presets of the generic OIDC
 * path with their well-known issuers, GitHub is OAuth 2 with its REST API.
 */
export const socialSettings = {
  SOCIAL_GOOGLE_CLIENT_ID: {
    schema: clientId,
    description:
      'OAuth client id of the Google Cloud app (enables "Sign in with Google" with SOCIAL_GOOGLE_CLIENT_SECRET).',
    example: "1234567890-abc.apps.googleusercontent.com",
  },
  SOCIAL_GOOGLE_CLIENT_SECRET: {
    schema: secret,
    description: "Client secret of the Google Cloud app.",
    example: "GOCSPX-…",
    secret: true,
  },
  SOCIAL_MICROSOFT_CLIENT_ID: {
    schema: clientId,
    description:
      'Application (client) id of the Microsoft Entra app registration (enables "Sign in with Microsoft" with SOCIAL_MICROSOFT_CLIENT_SECRET).',
    example: "00000000-0000-0000-0000-000000000000",
  },
  SOCIAL_MICROSOFT_CLIENT_SECRET: {
    schema: secret,
    description: "Client secret (value) of the Microsoft Entra app registration.",
    example: "abc8Q~…",
    secret: true,
  },
  SOCIAL_MICROSOFT_TENANT: {
    schema: Type.String({
      pattern: "^(consumers|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$",
      description: "consumers, or a directory (tenant) id",
    }),
    default: "consumers",
    description:
      "Whose Microsoft accounts may sign in: `consumers` (personal Microsoft accounts) or one directory's id (its work accounts). `common`/`organizations` are not accepted: their ID tokens' issuer varies per tenant and could not be checked.",
    example: "consumers",
  },
  SOCIAL_GITHUB_CLIENT_ID: {
    schema: clientId,
    description: 'Client id of the GitHub OAuth app (enables "Sign in with GitHub" with SOCIAL_GITHUB_CLIENT_SECRET).',
    example: "Ov23liABCDEF12345678",
  },
  SOCIAL_GITHUB_CLIENT_SECRET: {
    schema: secret,
    description: "Client secret of the GitHub OAuth app.",
    example: "0123456789abcdef0123456789abcdef01234567",
    secret: true,
  },
  SOCIAL_GITHUB_URL: {
    schema: url("GitHub's web origin"),
    default: "https://github.com",
    description:
      "Where GitHub's OAuth endpoints are (<url>/login/oauth/authorize and /login/oauth/access_token): GitHub Enterprise Server's origin, or a loopback stand-in in tests.",
    example: "https://github.com",
  },
  SOCIAL_GITHUB_API_URL: {
    schema: url("GitHub's REST API"),
    default: "https://api.github.com",
    description: "GitHub's REST API (GET /user, /user/emails); GitHub Enterprise Server: <url>/api/v3.",
    example: "https://api.github.com",
  },
  SOCIAL_OIDC_NAME: {
    schema: Type.String({ minLength: 1, maxLength: 100 }),
    default: "OpenID Connect",
    description: "Name shown for the generic OpenID Connect provider (GET /auth/social/providers).",
    example: "Acme ID",
  },
  SOCIAL_OIDC_ISSUER: {
    schema: url("the issuer"),
    description:
      "Issuer of a generic OpenID Connect provider (discovery at <issuer>/.well-known/openid-configuration); enabled with SOCIAL_OIDC_CLIENT_ID and SOCIAL_OIDC_CLIENT_SECRET.",
    example: "https://id.example.com",
  },
  SOCIAL_OIDC_CLIENT_ID: {
    schema: clientId,
    description: "Client id registered at the generic OpenID Connect provider.",
    example: "rampart",
  },
  SOCIAL_OIDC_CLIENT_SECRET: {
    schema: secret,
    description: "Client secret registered at the generic OpenID Connect provider.",
    example: "a-long-random-secret",
    secret: true,
  },
  SOCIAL_FLOW_TTL_S: {
    schema: Type.Integer({ minimum: 30, maximum: 3600 }),
    default: "600",
    description: "How long a started social sign-in or link (state, nonce, PKCE verifier) may take to come back.",
    example: "600",
  },
  SOCIAL_CALLBACK_BASE_URL: {
    schema: url("the API's public base"),
    description:
      "Base of the redirect URIs registered at the providers: <base>/<provider>/callback. Unset: <PUBLIC_APP_URL>/api/v1/auth/social.",
    example: "https://auth.example.com/api/v1/auth/social",
  },
  SOCIAL_SIGNED_IN_URL: {
    schema: url("a page of the app"),
    description:
      "Where a browser lands after a social sign-in or link (the refresh cookie is set; the app calls POST /auth/refresh). Unset: <PUBLIC_APP_URL>/social/signed-in.",
    example: "https://app.example.com/social/signed-in",
  },
  SOCIAL_ALLOW_INSECURE_URLS: {
    schema: Type.Boolean(),
    default: "false",
    description: "Accept http:// issuers and GitHub URLs (tests and local development only; real providers are https).",
    example: "false",
  },
} satisfies SettingGroup;

const PAIRS = [
  ["SOCIAL_GOOGLE_CLIENT_ID", "SOCIAL_GOOGLE_CLIENT_SECRET"],
  ["SOCIAL_MICROSOFT_CLIENT_ID", "SOCIAL_MICROSOFT_CLIENT_SECRET"],
  ["SOCIAL_GITHUB_CLIENT_ID", "SOCIAL_GITHUB_CLIENT_SECRET"],
  ["SOCIAL_OIDC_CLIENT_ID", "SOCIAL_OIDC_CLIENT_SECRET"],
] as const;

export const socialRules: ConfigRule[] = [
  // Half a provider is a typo, not a choice: say so at start instead of hiding the button.
  (c) =>
    PAIRS.flatMap(([id, secretName]) =>
      (c[id] === undefined) !== (c[secretName] === undefined)
        ? [
            {
              name: c[id] === undefined ? id : secretName,
              message: `must be set together with ${c[id] === undefined ? secretName : id}`,
            },
          ]
        : [],
    ),
  (c) =>
    (c.SOCIAL_OIDC_CLIENT_ID !== undefined) !== (c.SOCIAL_OIDC_ISSUER !== undefined)
      ? [
          {
            name: "SOCIAL_OIDC_ISSUER",
            message: "and SOCIAL_OIDC_CLIENT_ID/SECRET must be set together",
            example: "https://id.example.com",
          },
        ]
      : [],
  (c) =>
    c.APP_ENV === "production" && c.SOCIAL_ALLOW_INSECURE_URLS === true
      ? [{ name: "SOCIAL_ALLOW_INSECURE_URLS", message: "must be false in production", example: "false" }]
      : [],
];
