import { newId } from "../../platform/db/ids.ts";
import { identityErrors } from "./errors.ts";
import * as factorRepo from "./factor-repository.ts";
import { availableFactors } from "./factors.ts";
import * as repo from "./repository.ts";
import { hashToken, newOpaqueToken } from "./secrets.ts";
import { type IdentityDeps, plusSeconds, type RequestContext } from "./service.ts";
import { forgetSessions } from "./session-cache.ts";
import type { UsersTable } from "./tables.ts";

// The second step of a sign-in: a password sign-in of an account with a second factor gets
// a ticket instead of tokens; the ticket and a factor complete it (POST /auth/mfa/verify).

/**
 * What a ticket is bound to: the User-Agent of the client that signed in and, for browsers,
 * the random value of the `rampart_mfa` cookie set with the ticket (HttpOnly, Path
 * /api/v1/auth/mfa). A ticket lifted from a log or a page by script is useless elsewhere.
 */
export interface MfaClient {
  readonly userAgent: string | null;
  readonly binding?: string | undefined;
}

export function clientHash(client: MfaClient): string {
  return hashToken(`mfa-client:${client.userAgent ?? ""}\u0000${client.binding ?? ""}`);
}

/** The password the ticket's sign-in verified: a change of password voids the ticket. */
export function credentialTag(passwordHash: string | null): string {
  return hashToken(`mfa-credential:${passwordHash ?? ""}`);
}

export async function issueMfaTicket(deps: IdentityDeps, user: UsersTable, client: MfaClient, _ctx: RequestContext) {
  const ticket = newOpaqueToken();
  const now = deps.clock.nowIso();
  await factorRepo.deleteStaleTickets(deps.database.db, user.id, now);
  await factorRepo.insertTicket(deps.database.db, {
    id: newId(),
    user_id: user.id,
    ticket_hash: hashToken(ticket),
    client_hash: clientHash(client),
    credential_tag: credentialTag(user.password_hash),
    failures: 0,
    created_at: now,
    expires_at: plusSeconds(deps, deps.config.MFA_TICKET_TTL_S),
    used_at: null,
  });
  return { ticket, factors: await availableFactors(deps, user.id), expiresIn: deps.config.MFA_TICKET_TTL_S };
}

export interface MfaRequired {
  readonly kind: "mfa_required";
  readonly ticket: string;
  readonly factors: string[];
  readonly expiresIn: number;
}

/** Ends a session that never used the account's second factor and asks for it (refresh). */
export async function endForSecondFactor(
  deps: IdentityDeps,
  sessionId: string,
  userId: string,
  client: MfaClient,
  ctx: RequestContext,
): Promise<MfaRequired> {
  const user = await repo.findUserById(deps.database.db, userId);
  if (!user) throw identityErrors.invalidRefreshToken();
  await repo.revokeSession(deps.database.db, sessionId, "mfa_required", deps.clock.nowIso());
  await forgetSessions(deps, [sessionId]);
  return { kind: "mfa_required", ...(await issueMfaTicket(deps, user, client, ctx)) };
}
