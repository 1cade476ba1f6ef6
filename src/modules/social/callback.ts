import { hashToken, type RequestContext } from "../identity/index.ts";
import { socialErrors } from "./errors.ts";
import { githubIdentity } from "./github.ts";
import { completeLink, type linkView } from "./links.ts";
import { oidcIdentity } from "./oidc.ts";
import * as repo from "./repository.ts";
import type { SocialDeps } from "./service.ts";
import { completeSocialSignIn, type SocialSignInResult } from "./sign-in.ts";
import { enabledProvider } from "./start.ts";

export type CallbackOutcome =
  | { readonly kind: "signed_in"; readonly result: SocialSignInResult }
  | { readonly kind: "linked"; readonly identity: ReturnType<typeof linkView> };

/**
 * The provider's redirect back. The flow is consumed first — whatever happens next, this
 * state never works again (replays, a second tab) — and must have been started by this
 * browser (its binding cookie) for this provider. Then the code is exchanged with the flow's
 * PKCE verifier (and, for OIDC, the ID token checked against its nonce).
 */
export async function socialCallback(
  deps: SocialDeps,
  providerKey: string,
  query: Readonly<Record<string, string | undefined>>,
  browserBinding: string | undefined,
  ctx: RequestContext,
): Promise<CallbackOutcome> {
  const provider = enabledProvider(deps, providerKey);
  if (!query.state) throw socialErrors.invalidState();
  const flow = await repo.consumeFlow(deps.database.db, hashToken(query.state));
  if (!flow || flow.expires_at <= deps.clock.nowIso() || flow.provider !== provider.key)
    throw socialErrors.invalidState();
  if (browserBinding === undefined || hashToken(`social-browser:${browserBinding}`) !== flow.browser_hash)
    throw socialErrors.invalidState();
  if (query.error) throw socialErrors.providerError(query.error);
  const checks = { state: query.state, nonce: flow.nonce, codeVerifier: flow.code_verifier };
  const identity =
    provider.protocol === "github"
      ? await githubIdentity(deps, provider, query, checks)
      : await oidcIdentity(deps, provider, query, checks);
  if (flow.purpose === "link" && flow.user_id !== null) {
    return { kind: "linked", identity: await completeLink(deps, provider, identity, flow.user_id, ctx) };
  }
  return { kind: "signed_in", result: await completeSocialSignIn(deps, provider, identity, ctx) };
}
