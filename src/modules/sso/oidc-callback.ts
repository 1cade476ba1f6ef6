import { hashToken, type RequestContext } from "../identity/index.ts";
import { completeSsoSignIn, previewSsoSignIn, type SsoIdentity, type SsoSignInResult } from "./complete-sign-in.ts";
import { ssoErrors } from "./errors.ts";
import { exchangeCode } from "./oidc-client.ts";
import * as repo from "./repository.ts";
import type { SsoDeps } from "./service.ts";
import type { SsoConnectionsTable } from "./tables.ts";

export type CallbackOutcome =
  | { readonly kind: "signed_in"; readonly result: SsoSignInResult }
  | { readonly kind: "test"; readonly report: Awaited<ReturnType<typeof previewSsoSignIn>> };

function stringClaim(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

export function identityFromClaims(connection: SsoConnectionsTable, claims: Record<string, unknown>): SsoIdentity {
  const groups = claims[connection.groups_claim];
  return {
    subject: String(claims.sub),
    email: stringClaim(claims[connection.email_claim]),
    // Only an explicit true: an absent claim is not a verification (docs/sso.md, Entra ID).
    emailVerified:
      claims[connection.email_verified_claim] === true || claims[connection.email_verified_claim] === "true",
    name: stringClaim(claims[connection.name_claim]),
    groups: Array.isArray(groups)
      ? groups.filter((g): g is string => typeof g === "string")
      : typeof groups === "string"
        ? [groups]
        : [],
  };
}

/**
 * The IdP's redirect back. The flow is consumed first — whatever happens next, this state
 * never works again (replayed callbacks, a second tab) — then the code is exchanged with the
 * flow's PKCE verifier and its ID token checked against the flow's state and nonce.
 */
export async function oidcCallback(
  deps: SsoDeps,
  query: Readonly<Record<string, string | undefined>>,
  ctx: RequestContext,
  /** The browser-binding cookie's hash (browser-binding.ts): the flow completes only in the browser that started it. */
  browserHash: string | undefined,
): Promise<CallbackOutcome> {
  if (!query.state) throw ssoErrors.invalidState();
  const flow = await repo.consumeFlow(deps.database.db, hashToken(query.state));
  if (!flow || flow.expires_at <= deps.clock.nowIso()) throw ssoErrors.invalidState();
  // Another browser's flow (login CSRF): consumed, so it cannot be tried again either.
  if (browserHash === undefined || browserHash !== flow.browser_hash) throw ssoErrors.invalidState();
  const connection = await repo.findConnectionById(deps.database.db, flow.connection_id);
  if (!connection || connection.protocol !== "oidc") throw ssoErrors.invalidState();
  if (query.error) throw ssoErrors.idpError(query.error);
  const claims = await exchangeCode(deps, connection, query, {
    state: query.state,
    nonce: flow.nonce,
    codeVerifier: flow.code_verifier,
  });
  const identity = identityFromClaims(connection, claims);
  if (flow.purpose === "test") return { kind: "test", report: await previewSsoSignIn(deps, connection, identity) };
  return { kind: "signed_in", result: await completeSsoSignIn(deps, connection, identity, ctx) };
}
