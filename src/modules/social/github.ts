import { describeOidcError, openidClient } from "../../platform/auth/oidc-discovery.ts";
import { socialErrors } from "./errors.ts";
import type { GithubProvider } from "./providers.ts";
import { callbackUrlOf, type ProviderIdentity, type SocialDeps } from "./service.ts";

// GitHub is OAuth 2, not OpenID Connect: no ID token and no nonce. The code flow carries
// `state` and PKCE (S256); the person is then read from the REST API: GET /user (the stable
// numeric id is the subject) and GET /user/emails (only the primary address, and only if
// GitHub verified it, counts — the profile's public email is whatever the person typed).

const SCOPES = "read:user user:email";
const TIMEOUT_MS = 10_000;

export async function githubAuthorizationUrl(
  deps: SocialDeps,
  provider: GithubProvider,
  checks: { readonly state: string; readonly codeVerifier: string },
): Promise<string> {
  const url = new URL(`${provider.oauthUrl}/login/oauth/authorize`);
  url.searchParams.set("client_id", provider.clientId);
  url.searchParams.set("redirect_uri", callbackUrlOf(deps, provider.key));
  url.searchParams.set("scope", SCOPES);
  url.searchParams.set("state", checks.state);
  const { calculatePKCECodeChallenge } = await openidClient();
  url.searchParams.set("code_challenge", await calculatePKCECodeChallenge(checks.codeVerifier));
  url.searchParams.set("code_challenge_method", "S256");
  return url.href;
}

async function call(deps: SocialDeps, url: string, init: RequestInit): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, redirect: "error", signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    deps.logger.warn({ provider: "github", err: describeOidcError(error) }, "social: GitHub could not be reached");
    throw socialErrors.providerUnreachable();
  }
  const body = (await res.json().catch(() => undefined)) as unknown;
  if (!res.ok || body === undefined) {
    deps.logger.warn({ provider: "github", status: res.status, url: new URL(url).pathname }, "social: GitHub refused");
    throw socialErrors.responseRejected();
  }
  return body;
}

export async function githubIdentity(
  deps: SocialDeps,
  provider: GithubProvider,
  query: Readonly<Record<string, string | undefined>>,
  checks: { readonly codeVerifier: string },
): Promise<ProviderIdentity> {
  if (!query.code) throw socialErrors.responseRejected();
  const token = (await call(deps, `${provider.oauthUrl}/login/oauth/access_token`, {
    method: "POST",
    headers: { accept: "application/json", "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      client_id: provider.clientId,
      client_secret: provider.clientSecret,
      code: query.code,
      redirect_uri: callbackUrlOf(deps, provider.key),
      code_verifier: checks.codeVerifier,
    }).toString(),
  })) as { access_token?: unknown; error?: unknown };
  // GitHub answers a refused exchange (bad code, bad verifier) with 200 and an `error` field.
  if (typeof token.access_token !== "string" || token.access_token === "") {
    deps.logger.warn(
      { provider: "github", error: String(token.error ?? "no token") },
      "social: GitHub refused the code",
    );
    throw socialErrors.responseRejected();
  }
  const headers = {
    accept: "application/vnd.github+json",
    authorization: `Bearer ${token.access_token}`,
    "user-agent": "Rampart",
    "x-github-api-version": "2022-11-28",
  };
  const user = (await call(deps, `${provider.apiUrl}/user`, { headers })) as {
    id?: unknown;
    name?: unknown;
    login?: unknown;
  };
  if (typeof user.id !== "number" && typeof user.id !== "string") throw socialErrors.responseRejected();
  const emails = await call(deps, `${provider.apiUrl}/user/emails`, { headers });
  const primary = Array.isArray(emails)
    ? (emails as { email?: unknown; primary?: unknown; verified?: unknown }[]).find((e) => e.primary === true)
    : undefined;
  const name = typeof user.name === "string" && user.name.trim() !== "" ? user.name.trim() : undefined;
  return {
    subject: String(user.id),
    email: typeof primary?.email === "string" ? primary.email : undefined,
    emailVerified: primary?.verified === true,
    name: name ?? (typeof user.login === "string" ? user.login : undefined),
  };
}
