import type * as client from "openid-client";
import { describeOidcError, discoverOidc, openidClient } from "../../platform/auth/oidc-discovery.ts";
import { AppError } from "../../platform/errors/app-error.ts";
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
  checks: { readonly state: string; readonly nonce: string; readonly codeVerifier: string },
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
  checks: { readonly state: string; readonly nonce: string; readonly codeVerifier: string },
): Promise<ProviderIdentity> {
  // Discovered afresh: the JWKS the token is verified with is the provider's current one.
  const config = await discover(deps, provider);
  const client = await openidClient();
  const current = new URL(callbackUrlOf(deps, provider.key));
  for (const [name, value] of Object.entries(query)) if (value !== undefined) current.searchParams.set(name, value);
  try {
    const tokens = await client.authorizationCodeGrant(config, current, {
      pkceCodeVerifier: checks.codeVerifier,
      expectedState: checks.state,
      expectedNonce: checks.nonce,
      idTokenExpected: true,
    });
    const claims: Record<string, unknown> = { ...tokens.claims() };
    if (claims.email === undefined && config.serverMetadata().userinfo_endpoint) {
      const info = await client.fetchUserInfo(config, tokens.access_token, String(claims.sub));
      for (const [name, value] of Object.entries(info)) if (!(name in claims)) claims[name] = value;
    }
    return {
      subject: String(claims.sub),
      email: stringClaim(claims.email),
      emailVerified: provider.emailVerifiedClaims.some((c) => claims[c] === true || claims[c] === "true"),
      name: stringClaim(claims.name),
    };
  } catch (error) {
    if (error instanceof client.AuthorizationResponseError) throw socialErrors.providerError(error.error);
    if (error instanceof AppError) throw error;
    deps.logger.warn(
      { provider: provider.key, err: describeOidcError(error) },
      "social: the provider's answer was refused",
    );
    if (error instanceof TypeError || (error instanceof Error && error.name === "TimeoutError"))
      throw socialErrors.providerUnreachable();
    throw socialErrors.responseRejected();
  }
}

/** What a log line may say of a library error: its class, code and message (no tokens in them). */
