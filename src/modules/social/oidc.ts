import type * as client from "openid-client";
import { exchangeOidcCode, type OidcChecks } from "../../platform/auth/oidc-code-exchange.ts";
import { describeOidcError, discoverOidc, openidClient } from "../../platform/auth/oidc-discovery.ts";
import { socialErrors } from "./errors.ts";
import type { OidcProvider } from "./providers.ts";
import { callbackUrlOf, type ProviderIdentity, type SocialDeps } from "./service.ts";

// Google, Microsoft and any configured OpenID Connect provider, through openid-client v6:
// discovery, the authorization URL (PKCE S256, state, nonce) and the code exchange, whose ID
// token is validated (issuer, audience, expiry, nonce, signature by a key of the JWKS).

async function discover(deps: SocialDeps, provider: OidcProvider): Promise<client.Configuration> {
  try {
    // The ID token's signature is always verified against the JWKS (oidc-discovery.ts).
    return await discoverOidc(provider.issuer, provider.clientId, provider.clientSecret, {
      timeoutS: 10,
      allowInsecure: deps.settings.allowInsecureUrls,
    });
  } catch (error) {
    deps.logger.warn({ provider: provider.key, err: describeOidcError(error) }, "social: OIDC discovery failed");
    throw socialErrors.providerUnreachable();
  }
}

export async function oidcAuthorizationUrl(
  deps: SocialDeps,
  provider: OidcProvider,
  checks: OidcChecks,
): Promise<string> {
  const config = await discover(deps, provider);
  const client = await openidClient();
  return client.buildAuthorizationUrl(config, {
    redirect_uri: callbackUrlOf(deps, provider.key),
    scope: provider.scopes.join(" "),
    response_type: "code",
    code_challenge: await client.calculatePKCECodeChallenge(checks.codeVerifier),
    code_challenge_method: "S256",
    state: checks.state,
    nonce: checks.nonce,
  }).href;
}

function stringClaim(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

export async function oidcIdentity(
  deps: SocialDeps,
  provider: OidcProvider,
  query: Readonly<Record<string, string | undefined>>,
  checks: OidcChecks,
): Promise<ProviderIdentity> {
  // Discovered afresh: the JWKS the token is verified with is the provider's current one.
  const config = await discover(deps, provider);
  const claims = await exchangeOidcCode(config, callbackUrlOf(deps, provider.key), query, checks, "email", {
    providerError: socialErrors.providerError,
    unreachable: socialErrors.providerUnreachable,
    rejected: socialErrors.responseRejected,
    logRefused: (err) => deps.logger.warn({ provider: provider.key, err }, "social: the provider's answer was refused"),
  });
  return {
    subject: String(claims.sub),
    email: stringClaim(claims.email),
    emailVerified: provider.emailVerifiedClaims.some((c) => claims[c] === true || claims[c] === "true"),
    name: stringClaim(claims.name),
  };
}
