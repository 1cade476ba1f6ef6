import type { Executor } from "../../platform/db/transaction.ts";
import { identityErrors } from "./errors.ts";
import { createFederatedAccount } from "./registration.ts";
import * as repo from "./repository.ts";
import { normalizeEmail } from "./secrets.ts";
import { type IdentityDeps, type PublicUser, type RequestContext, type TokenPair, toPublicUser } from "./service.ts";
import { forgetSessions } from "./session-cache.ts";
import { startSession } from "./sessions.ts";
import type { UsersTable } from "./tables.ts";
import { forgetUsers } from "./user-cache.ts";

// What single sign-on (the sso module) needs of identity: the account of an address an
// identity provider vouched for, created just in time, and a session that says it came by SSO.

/**
 * Inside the caller's transaction: the live account of `email`, created when there is none
 * (no password: it signs in by SSO, or sets one through a password reset), or updated with
 * the IdP's name. The caller has established that the address is the person's (a domain its
 * company verified, and the IdP said the address is verified): an unverified account becomes
 * verified. Returns the user row and whether it was created. The caller evicts with
 * `forgetSsoUsers` after commit.
 */
export async function provisionSsoAccount(
  deps: IdentityDeps,
  trx: Executor,
  identity: { readonly email: string; readonly name?: string | undefined },
  ctx: RequestContext,
): Promise<{ user: UsersTable; created: boolean }> {
  const email = normalizeEmail(identity.email);
  const now = deps.clock.nowIso();
  const existing = await repo.findUserByEmail(trx, email);
  const name = identity.name?.trim().slice(0, 200);
  if (!existing) return { user: await createFederatedAccount(deps, trx, identity, ctx, { via: "sso" }), created: true };
  const locked = await repo.lockUser(trx, existing.id);
  if (!locked || locked.status !== "active") throw identityErrors.accountSuspended();
  const patch: Partial<UsersTable> = {};
  if (name && name !== locked.name) patch.name = name;
  if (locked.email_verified_at === null) patch.email_verified_at = now;
  if (Object.keys(patch).length > 0) await repo.updateUser(trx, locked.id, { ...patch, updated_at: now });
  return { user: { ...locked, ...patch }, created: false };
}

export async function forgetSsoUsers(deps: IdentityDeps, ids: readonly string[]): Promise<void> {
  await forgetUsers(deps, ids);
}

/** A session started by SSO: `amr` ["sso", "oidc"|"saml"], the connection id, and its maximum age. */
export async function startSsoSession(
  deps: IdentityDeps,
  user: UsersTable,
  ctx: RequestContext,
  sso: { readonly protocol: "oidc" | "saml"; readonly connectionId: string; readonly maxAgeS: number | null },
): Promise<TokenPair & { user: PublicUser }> {
  // The account's status is re-read under the user lock by startSession: nothing else to hold.
  const pair = await startSession(deps, user, ctx, async () => true, undefined, ["sso", sso.protocol], {
    connectionId: sso.connectionId,
    maxAgeS: sso.maxAgeS,
  });
  return { ...pair, user: toPublicUser(user) };
}

/**
 * Inside the caller's transaction: revokes every live session an SSO connection started
 * (the connection was disabled or removed: what its IdP vouched for no longer counts).
 * Returns their ids; evict them with `forgetSsoSessions` after commit.
 */
export async function revokeSsoConnectionSessions(
  trx: Executor,
  connectionId: string,
  reason: string,
  now: string,
): Promise<string[]> {
  const rows = await trx
    .updateTable("sessions")
    .set({ revoked_at: now, revoked_reason: reason })
    .where("sso_connection_id", "=", connectionId)
    .where("revoked_at", "is", null)
    .returning("id")
    .execute();
  return rows.map((row) => row.id);
}

export async function forgetSsoSessions(deps: Pick<IdentityDeps, "cache">, sessionIds: readonly string[]) {
  await forgetSessions(deps, sessionIds);
}
