import { identityErrors } from "./errors.ts";
import { MAIL_REQUESTS } from "./mail.ts";
import * as repo from "./repository.ts";
import { hashToken, normalizeEmail } from "./secrets.ts";
import { type IdentityDeps, type PublicUser, toPublicUser } from "./service.ts";
import { forgetSessions } from "./session-cache.ts";
import type { EmailTokenPurpose } from "./tables.ts";
import { forgetUsers } from "./user-cache.ts";

/**
 * Enumeration-safe by timing too: the awaited work is one queued request whether or not the
 * address is an unverified account; the mail worker decides (registerIdentityMailRequests).
 */
export async function resendVerification(deps: IdentityDeps, emailInput: string): Promise<void> {
  await deps.mailer.request(MAIL_REQUESTS.resendVerification, { email: normalizeEmail(emailInput) });
}

/** Consumes a single-use email token of `purpose`; throws the same 422 for unknown, expired and used tokens. */
async function consumeToken(deps: IdentityDeps, token: string, purpose: EmailTokenPurpose) {
  const row = await repo.findEmailToken(deps.database.db, hashToken(token), purpose);
  const now = deps.clock.nowIso();
  if (!row || row.used_at !== null || row.expires_at <= now) throw identityErrors.invalidEmailToken();
  if (!(await repo.consumeEmailToken(deps.database.db, row.id, now))) throw identityErrors.invalidEmailToken();
  const user = await repo.findUserById(deps.database.db, row.user_id);
  if (!user || user.status !== "active") throw identityErrors.invalidEmailToken();
  return user;
}

export async function verifyEmail(deps: IdentityDeps, token: string): Promise<PublicUser> {
  const user = await consumeToken(deps, token, "verify_email");
  const now = deps.clock.nowIso();
  await repo.updateUser(deps.database.db, user.id, {
    email_verified_at: user.email_verified_at ?? now,
    updated_at: now,
  });
  await forgetUsers(deps, [user.id]);
  // Signed-in sessions may create companies and invite from the next request on.
  const sessions = await repo.listActiveSessions(deps.database.db, user.id, now);
  await forgetSessions(
    deps,
    sessions.map((session) => session.id),
  );
  return toPublicUser({ ...user, email_verified_at: user.email_verified_at ?? now });
}
