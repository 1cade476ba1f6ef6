import { newId } from "../../platform/db/ids.ts";
import { findCompanyBySlug } from "../companies/index.ts";
import { hashToken } from "../identity/index.ts";
import { authorizationRequest } from "./oidc-client.ts";
import { domainOf } from "./policy.ts";
import * as repo from "./repository.ts";
import type { SsoDeps } from "./service.ts";
import type { SsoConnectionsTable } from "./tables.ts";

// Home-realm discovery: an address (or a company's slug) → the company's identity provider.
// An address or slug with no SSO behind it gets the same 200 and the same shape: a redirect
// to the app's own sign-in page. So the answer never says "unknown domain" or "no such
// company" (docs/sso.md, "What discovery reveals").

export type SignInPurpose = "sign_in" | "test";

/**
 * How a `saml` connection's SP-initiated sign-in starts (saml-sign-in.ts's `samlStarter` by
 * default): the redirect URL to the IdP, its request id stored with the purpose.
 */
export interface SamlStarter {
  start(connection: SsoConnectionsTable, purpose: SignInPurpose, browserHash: string): Promise<string>;
}

export async function startWithConnection(
  deps: SsoDeps & { readonly saml?: SamlStarter },
  connection: SsoConnectionsTable,
  purpose: SignInPurpose,
  /** The hash of the browser-binding cookie the route set (browser-binding.ts). */
  browserHash: string,
): Promise<string | undefined> {
  if (connection.protocol === "saml") return deps.saml?.start(connection, purpose, browserHash);
  const request = await authorizationRequest(deps, connection);
  const now = deps.clock.now();
  await repo.deleteExpiredFlows(deps.database.db, now.toISOString());
  await repo.insertFlow(deps.database.db, {
    id: newId(),
    state_hash: hashToken(request.state),
    connection_id: connection.id,
    purpose,
    nonce: request.nonce,
    code_verifier: request.codeVerifier,
    browser_hash: browserHash,
    created_at: now.toISOString(),
    expires_at: new Date(now.getTime() + deps.settings.flowTtlS * 1000).toISOString(),
  });
  return request.url;
}

async function connectionFor(deps: SsoDeps, input: { email?: string; companySlug?: string }) {
  let companyId: string | undefined;
  if (input.email !== undefined) {
    companyId = (await repo.verifiedDomain(deps.database.db, domainOf(input.email)))?.company_id;
  } else if (input.companySlug !== undefined) {
    const company = await findCompanyBySlug(deps.companies, input.companySlug.trim().toLowerCase());
    companyId = company?.status === "active" ? company.id : undefined;
  }
  if (companyId === undefined) return undefined;
  return (await repo.enabledConnectionsOf(deps.database.db, companyId))[0];
}

export async function startSignIn(
  deps: SsoDeps & { readonly saml?: SamlStarter },
  input: { email?: string; companySlug?: string },
  fallbackUrl: string,
  browserHash: string,
): Promise<{ redirectUrl: string }> {
  const connection = await connectionFor(deps, input);
  const url = connection ? await startWithConnection(deps, connection, "sign_in", browserHash) : undefined;
  return { redirectUrl: url ?? fallbackUrl };
}
