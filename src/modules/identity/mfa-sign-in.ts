import { identityErrors } from "./errors.ts";
import * as factorRepo from "./factor-repository.ts";
import { proveSecondFactor, type SecondFactorProof } from "./factors.ts";
import { clientHash, credentialTag, type MfaClient } from "./mfa-tickets.ts";
import * as repo from "./repository.ts";
import { hashToken } from "./secrets.ts";
import { type IdentityDeps, type PublicUser, type RequestContext, type TokenPair, toPublicUser } from "./service.ts";
import { startSession } from "./sessions.ts";

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
  const row = await factorRepo.findTicket(deps.database.db, hashToken(input.ticket));
  const now = deps.clock.nowIso();
  const max = deps.config.MFA_TICKET_MAX_FAILURES;
  if (!row || row.used_at !== null || row.expires_at <= now || row.failures >= max)
    throw identityErrors.invalidTicket();
  if (row.client_hash !== clientHash(client)) throw identityErrors.invalidTicket();
  const user = await repo.findUserById(deps.database.db, row.user_id);
  if (!user || user.status === "deleted" || credentialTag(user.password_hash) !== row.credential_tag)
    throw identityErrors.invalidTicket();
  if (user.status === "suspended") throw identityErrors.accountSuspended();
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
