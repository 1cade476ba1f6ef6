import type * as client from "openid-client";
import { exchangeOidcCode, type OidcChecks } from "../../platform/auth/oidc-code-exchange.ts";
import { describeOidcError, discoverOidc, openidClient } from "../../platform/auth/oidc-discovery.ts";
import { ssoErrors } from "./errors.ts";
import type { SsoDeps } from "./service.ts";
import type { SsoConnectionsTable } from "./tables.ts";

// The OIDC relying party, through openid-client v6: discovery, the authorization URL (PKCE
// S256, state, nonce) and the code exchange, whose ID token the library validates (issuer,
// audience, expiry, nonce, signature with a key of the IdP's JWKS; `alg: none` and keys not
// published are refused).

/**
 * Discovery for starting sign-ins is kept a minute per connection version (id + updated_at):
 * home-realm discovery stays cheap. The callback always discovers afresh, so the JWKS it
 * verifies with is the IdP's current one: a rotated signing key is picked up at once, with
 * no window where a new key id is refused because a cached JWKS is younger than the
 * library's refetch threshold.
 */
const START_CACHE_MS = 60_000;
const startConfigs = new Map<string, { config: client.Configuration; until: number }>();

export function forgetDiscovery(connectionId: string): void {
  for (const key of startConfigs.keys()) if (key.startsWith(`${connectionId}:`)) startConfigs.delete(key);
}

async function discover(deps: SsoDeps, row: SsoConnectionsTable): Promise<client.Configuration> {
  if (!row.oidc_issuer || !row.oidc_client_id || !row.oidc_client_secret_sealed) throw ssoErrors.protocolNotSupported();
  let secret: string;
  try {
    secret = deps.sealer.unseal(row.oidc_client_secret_sealed);
  } catch {
    deps.logger.error({ connectionId: row.id }, "sso: the client secret opens with no configured ENCRYPTION_KEY");
    throw ssoErrors.idpUnreachable();
  }
  try {
    // The ID token's signature is always verified against the IdP's JWKS (oidc-discovery.ts).
    return await discoverOidc(row.oidc_issuer, row.oidc_client_id, secret, {
      timeoutS: Math.ceil(deps.settings.dnsTimeoutMs / 1000) + 7,
      allowInsecure: deps.settings.allowInsecureIssuers,
    });
  } catch (error) {
    deps.logger.warn({ connectionId: row.id, err: describeOidcError(error) }, "sso: OIDC discovery failed");
    throw ssoErrors.idpUnreachable();
  }
}

async function configForStart(deps: SsoDeps, row: SsoConnectionsTable): Promise<client.Configuration> {
  const key = `${row.id}:${row.updated_at}`;
  const cached = startConfigs.get(key);
  if (cached && cached.until > Date.now()) return cached.config;
  const config = await discover(deps, row);
  forgetDiscovery(row.id);
  startConfigs.set(key, { config, until: Date.now() + START_CACHE_MS });
  return config;
}

export interface AuthorizationRequest {
  readonly url: string;
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
}

export async function authorizationRequest(deps: SsoDeps, row: SsoConnectionsTable): Promise<AuthorizationRequest> {
  const config = await configForStart(deps, row);
  const client = await openidClient();
  const codeVerifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const scopes = (typeof row.oidc_scopes === "string" ? JSON.parse(row.oidc_scopes) : row.oidc_scopes) as string[];
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: deps.settings.callbackUrl,
    scope: (scopes ?? ["openid"]).join(" "),
    response_type: "code",
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: "S256",
    state,
    nonce,
  });
  return { url: url.href, state, nonce, codeVerifier };
}

/** The ID token's claims (with userinfo's when the ID token lacks the mapped email claim). */
export async function exchangeCode(
  deps: SsoDeps,
  row: SsoConnectionsTable,
  query: Readonly<Record<string, string | undefined>>,
  checks: OidcChecks,
): Promise<Record<string, unknown>> {
  const config = await discover(deps, row);
  return exchangeOidcCode(config, deps.settings.callbackUrl, query, checks, row.email_claim, {
    providerError: ssoErrors.idpError,
    unreachable: ssoErrors.idpUnreachable,
    rejected: ssoErrors.idpResponseRejected,
    logRefused: (err) =>
      deps.logger.warn({ connectionId: row.id, err }, "sso: the identity provider's answer was refused"),
  });
}
