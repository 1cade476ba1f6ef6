import { isIP } from "node:net";
import { Type } from "@sinclair/typebox";
import type { ConfigRule, SettingGroup } from "../setting.ts";

/** Single sign-on per company (docs/sso.md): domain verification by DNS, OIDC flows. */
export const ssoSettings = {
  SSO_DNS_SERVERS: {
    schema: Type.String({ minLength: 1, description: "comma-separated IP[:port] list" }),
    description:
      "DNS servers asked for the `_rampart-verify.<domain>` TXT records that prove a company owns a domain (comma-separated IP or IP:port). Unset: the system's resolvers.",
    example: "1.1.1.1,8.8.8.8",
  },
  SSO_DNS_TIMEOUT_MS: {
    schema: Type.Integer({ minimum: 100, maximum: 30_000 }),
    default: "3000",
    description: "Upper bound of one DNS TXT lookup for domain verification (per try; two tries).",
    example: "3000",
  },
  SSO_DOMAIN_RECHECK_MS: {
    schema: Type.Integer({ minimum: 0 }),
    default: "86400000",
    description:
      "How often each instance re-checks the TXT record of every verified domain (24 h); a domain whose record is gone loses its verification. 0 turns the periodic recheck off.",
    example: "86400000",
  },
  SSO_FLOW_TTL_S: {
    schema: Type.Integer({ minimum: 30, maximum: 3600 }),
    default: "600",
    description:
      "How long a started SSO sign-in (its state, nonce and PKCE verifier) may take to come back from the identity provider.",
    example: "600",
  },
  SSO_CALLBACK_URL: {
    schema: Type.String({ pattern: "^https?://[^\\s]+$", description: "an http:// or https:// URL" }),
    description:
      "The redirect URI registered at every OIDC identity provider: where this deployment answers GET /api/v1/auth/sso/oidc/callback. Unset: <PUBLIC_APP_URL>/api/v1/auth/sso/oidc/callback (the API behind the app's origin).",
    example: "https://auth.example.com/api/v1/auth/sso/oidc/callback",
  },
  SSO_SIGNED_IN_URL: {
    schema: Type.String({ pattern: "^https?://[^\\s]+$", description: "an http:// or https:// URL" }),
    description:
      "Where a browser lands after a successful SSO sign-in (the refresh cookie is set; the app calls POST /auth/refresh). Unset: <PUBLIC_APP_URL>/sso/signed-in.",
    example: "https://app.example.com/sso/signed-in",
  },
  SSO_ALLOW_INSECURE_ISSUERS: {
    schema: Type.Boolean(),
    default: "false",
    description:
      "Accept http:// OIDC issuers, and SAML IdP metadata URLs on loopback or private addresses (tests and local development only; production identity providers are https and public).",
    example: "false",
  },
} satisfies SettingGroup;

/** `1.1.1.1`, `127.0.0.1:5353`, `::1` or `[::1]:5353`: what node:dns accepts as a server. */
function isDnsServer(entry: string): boolean {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(entry);
  if (bracketed) return isIP(bracketed[1] as string) === 6 && Number(bracketed[2] ?? 53) <= 65535;
  if (isIP(entry) !== 0) return true;
  const [host, port] = entry.split(":");
  return isIP(host ?? "") === 4 && /^\d{1,5}$/.test(port ?? "") && Number(port) <= 65535;
}

export const ssoRules: ConfigRule[] = [
  (c) => {
    const servers = typeof c.SSO_DNS_SERVERS === "string" ? c.SSO_DNS_SERVERS.split(",").map((s) => s.trim()) : [];
    const bad = servers.filter((entry) => entry !== "" && !isDnsServer(entry));
    return bad.length > 0
      ? [
          {
            name: "SSO_DNS_SERVERS",
            message: `not an IP address or IP:port: ${bad.join(", ")}`,
            example: "1.1.1.1,8.8.8.8",
          },
        ]
      : [];
  },
  // An http:// issuer's discovery, keys and tokens travel unprotected: never in production.
  (c) =>
    c.APP_ENV === "production" && c.SSO_ALLOW_INSECURE_ISSUERS === true
      ? [{ name: "SSO_ALLOW_INSECURE_ISSUERS", message: "must be false in production", example: "false" }]
      : [],
];
