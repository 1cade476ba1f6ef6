import { openidClient } from "../../platform/auth/oidc-discovery.ts";
import { newId } from "../../platform/db/ids.ts";
import { hashToken } from "../identity/index.ts";
import { socialErrors } from "./errors.ts";
import { githubAuthorizationUrl } from "./github.ts";
import { oidcAuthorizationUrl } from "./oidc.ts";
import type { SocialProvider } from "./providers.ts";
import * as repo from "./repository.ts";
import type { SocialDeps } from "./service.ts";
import type { SocialFlowPurpose } from "./tables.ts";

export function enabledProvider(deps: SocialDeps, key: string): SocialProvider {
  const provider = deps.settings.providers.find((p) => p.key === key);
  if (!provider) throw socialErrors.providerNotFound();
  return provider;
}

/**
 * Starts a sign-in or a link: a flow row (state hash, nonce, PKCE verifier, purpose, the
 * account for a link, the browser binding) in the database, so whichever instance the
 * provider sends the browser back to can finish it, and the provider's authorization URL.
 * `browserBinding` is the value of the binding cookie the route sets.
 */
export async function startFlow(
  deps: SocialDeps,
  providerKey: string,
  purpose: SocialFlowPurpose,
  userId: string | null,
  browserBinding: string,
): Promise<{ redirectUrl: string }> {
  const provider = enabledProvider(deps, providerKey);
  const { randomNonce, randomPKCECodeVerifier, randomState } = await openidClient();
  const state = randomState();
  const nonce = randomNonce();
  const codeVerifier = randomPKCECodeVerifier();
  const redirectUrl =
    provider.protocol === "github"
      ? await githubAuthorizationUrl(deps, provider, { state, codeVerifier })
      : await oidcAuthorizationUrl(deps, provider, { state, nonce, codeVerifier });
  const now = deps.clock.now();
  await repo.deleteExpiredFlows(deps.database.db, now.toISOString());
  await repo.insertFlow(deps.database.db, {
    id: newId(),
    state_hash: hashToken(state),
    provider: provider.key,
    purpose,
    user_id: userId,
    browser_hash: hashToken(`social-browser:${browserBinding}`),
    nonce,
    code_verifier: codeVerifier,
    created_at: now.toISOString(),
    expires_at: new Date(now.getTime() + deps.settings.flowTtlS * 1000).toISOString(),
  });
  return { redirectUrl };
}
