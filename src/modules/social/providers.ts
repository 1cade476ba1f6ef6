import type { Config } from "../../config/settings/index.ts";

// The providers a deployment enables by its settings. Google and Microsoft are presets of the
// generic OpenID Connect path (their well-known issuers); GitHub is OAuth 2 with its REST API.

interface Common {
  /** The path segment and the `provider` of a link: google, microsoft, github, oidc. */
  readonly key: string;
  readonly name: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface OidcProvider extends Common {
  readonly protocol: "oidc";
  readonly issuer: string;
  readonly scopes: readonly string[];
  /** Claims any of which, when true, say the address is the person's. */
  readonly emailVerifiedClaims: readonly string[];
}

export interface GithubProvider extends Common {
  readonly protocol: "github";
  /** Web origin of the OAuth endpoints (https://github.com or a GitHub Enterprise Server). */
  readonly oauthUrl: string;
  /** REST API base (https://api.github.com). */
  readonly apiUrl: string;
}

export type SocialProvider = OidcProvider | GithubProvider;

/** Personal Microsoft accounts live in this one tenant; its ID tokens carry its id as issuer. */
const MICROSOFT_CONSUMERS_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad";

export function providersFrom(config: Config): SocialProvider[] {
  const providers: SocialProvider[] = [];
  const scopes = ["openid", "email", "profile"];
  if (config.SOCIAL_GOOGLE_CLIENT_ID && config.SOCIAL_GOOGLE_CLIENT_SECRET) {
    providers.push({
      protocol: "oidc",
      key: "google",
      name: "Google",
      issuer: "https://accounts.google.com",
      clientId: config.SOCIAL_GOOGLE_CLIENT_ID,
      clientSecret: config.SOCIAL_GOOGLE_CLIENT_SECRET,
      scopes,
      emailVerifiedClaims: ["email_verified"],
    });
  }
  if (config.SOCIAL_MICROSOFT_CLIENT_ID && config.SOCIAL_MICROSOFT_CLIENT_SECRET) {
    const tenant =
      config.SOCIAL_MICROSOFT_TENANT === "consumers" ? MICROSOFT_CONSUMERS_TENANT : config.SOCIAL_MICROSOFT_TENANT;
    providers.push({
      protocol: "oidc",
      key: "microsoft",
      name: "Microsoft",
      issuer: `https://login.microsoftonline.com/${tenant.toLowerCase()}/v2.0`,
      clientId: config.SOCIAL_MICROSOFT_CLIENT_ID,
      clientSecret: config.SOCIAL_MICROSOFT_CLIENT_SECRET,
      scopes,
      // Microsoft sends no email_verified; xms_edov ("email domain owner verified") is the
      // optional claim that says so (docs/social-sign-in.md tells how to add it).
      emailVerifiedClaims: ["email_verified", "xms_edov"],
    });
  }
  if (config.SOCIAL_GITHUB_CLIENT_ID && config.SOCIAL_GITHUB_CLIENT_SECRET) {
    providers.push({
      protocol: "github",
      key: "github",
      name: "GitHub",
      clientId: config.SOCIAL_GITHUB_CLIENT_ID,
      clientSecret: config.SOCIAL_GITHUB_CLIENT_SECRET,
      oauthUrl: config.SOCIAL_GITHUB_URL.replace(/\/+$/, ""),
      apiUrl: config.SOCIAL_GITHUB_API_URL.replace(/\/+$/, ""),
    });
  }
  if (config.SOCIAL_OIDC_ISSUER && config.SOCIAL_OIDC_CLIENT_ID && config.SOCIAL_OIDC_CLIENT_SECRET) {
    providers.push({
      protocol: "oidc",
      key: "oidc",
      name: config.SOCIAL_OIDC_NAME,
      issuer: config.SOCIAL_OIDC_ISSUER,
      clientId: config.SOCIAL_OIDC_CLIENT_ID,
      clientSecret: config.SOCIAL_OIDC_CLIENT_SECRET,
      scopes,
      emailVerifiedClaims: ["email_verified"],
    });
  }
  return providers;
}
