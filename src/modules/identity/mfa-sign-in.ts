import { identityErrors } from "./errors.ts";
import * as factorRepo from "./factor-repository.ts";
import { proveSecondFactor, type SecondFactorProof } from "./factors.ts";
import { clientHash, credentialTag, type MfaClient } from "./mfa-tickets.ts";
import { passkeyAssertionOptionsForUser } from "./passkeys/sign-in.ts";
import * as repo from "./repository.ts";
import { hashToken } from "./secrets.ts";
import { type IdentityDeps, type PublicUser, type RequestContext, type TokenPair, toPublicUser } from "./service.ts";
import { startSession } from "./sessions.ts";
import type { MfaTicketsTable, UsersTable } from "./tables.ts";

/**
 * Completes a sign-in: the ticket must be live, unused, not spent by failures and presented
 * by the client it was issued to; then the factor is checked (counting toward the account's
 * lockout), and only then is the ticket used — by a conditional UPDATE, so of two
 * concurrent completions one gets the session.
 */
export async function completeMfaSignIn(
  deps: IdentityDeps,
  input: { ticket: string } & SecondFactorProof,
  client: MfaClient,
  ctx: RequestContext,
): Promise<TokenPair & { user: PublicUser }> {
  const { row, user } = await liveTicket(deps, input.ticket, client);
  const max = deps.config.MFA_TICKET_MAX_FAILURES;
  let method: string;
  try {
    method = await proveSecondFactor(deps, user, input, ctx, "sign-in");
  } catch (error) {
    await factorRepo.failTicket(deps.database.db, row.id);
    throw error;
  }
  if (!(await factorRepo.useTicket(deps.database.db, row.id, deps.clock.nowIso(), max)))
    throw identityErrors.invalidTicket();
  const pair = await startSession(deps, user, ctx, user.password_hash ?? "", undefined, ["pwd", method, "mfa"]);
  return { ...pair, user: toPublicUser(user) };
}

/**
 * Assertion options for a ticket's account (its passkeys, a `second_factor` challenge): the
 * ticket is checked as /auth/mfa/verify checks it (client binding included) but not used.
 */
export async function mfaPasskeyOptions(deps: IdentityDeps, ticket: string, client: MfaClient) {
  const { user } = await liveTicket(deps, ticket, client);
  return passkeyAssertionOptionsForUser(deps, user.id);
}

/** The ticket, if live, unused, not spent by failures and presented by the client it was issued to. */
async function liveTicket(
  deps: IdentityDeps,
  ticket: string,
  client: MfaClient,
): Promise<{ row: MfaTicketsTable; user: UsersTable }> {
  const row = await factorRepo.findTicket(deps.database.db, hashToken(ticket));
  const now = deps.clock.nowIso();
  if (!row || row.used_at !== null || row.expires_at <= now || row.failures >= deps.config.MFA_TICKET_MAX_FAILURES)
    throw identityErrors.invalidTicket();
  if (row.client_hash !== clientHash(client)) throw identityErrors.invalidTicket();
  const user = await repo.findUserById(deps.database.db, row.user_id);
  if (!user || user.status === "deleted" || credentialTag(user.password_hash) !== row.credential_tag)
    throw identityErrors.invalidTicket();
  if (user.status === "suspended") throw identityErrors.accountSuspended();
  return { row, user };
}
