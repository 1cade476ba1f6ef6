import { inLockedTransaction } from "../../platform/db/locked-transaction.ts";
import { recordAuditEvent } from "../audit/index.ts";
import { identityErrors } from "./errors.ts";
import { MAIL_REQUESTS, sendIdentityMail } from "./mail.ts";
import * as repo from "./repository.ts";
import { hashToken, normalizeEmail } from "./secrets.ts";
import { assertPassword, type IdentityDeps, type RequestContext, securityEvent, userEvent } from "./service.ts";
import { forgetSessions } from "./session-cache.ts";
import { forgetUsers } from "./user-cache.ts";

/** Enumeration-safe by timing too: one queued request for any address (see resendVerification). */
export async function forgotPassword(deps: IdentityDeps, emailInput: string): Promise<void> {
  await deps.mailer.request(MAIL_REQUESTS.passwordReset, { email: normalizeEmail(emailInput) });
}

/**
 * Validates first, then consumes the link in the same transaction as the change it
 * authorises: a weak password, or a conflict the database aborts, leaves the link unspent.
 * The user row is locked before the token (users → tokens), as logins lock it before
 * inserting a session: a reset ends every session, including one being created.
 */
export async function resetPassword(
  deps: IdentityDeps,
  input: { token: string; password: string },
  ctx: RequestContext,
) {
  const tokenHash = hashToken(input.token);
  const link = await repo.findEmailToken(deps.database.db, tokenHash, "reset_password");
  const owner = link ? await repo.findUserById(deps.database.db, link.user_id) : undefined;
  if (!link || !owner || !usableLink(deps, link)) throw identityErrors.invalidEmailToken();
  assertPassword(input.password, owner.email, "/body/password");
  const passwordHash = await deps.passwords.hash(input.password);
  const now = deps.clock.nowIso();
  const { user, revoked } = await inLockedTransaction(deps.database.db, async (trx) => {
    const user = await repo.lockUser(trx, owner.id);
    if (!user || user.status !== "active") throw identityErrors.invalidEmailToken();
    if (!(await repo.consumeEmailToken(trx, link.id, now))) throw identityErrors.invalidEmailToken();
    // A reset proves control of the mailbox, so it also verifies the address.
    await repo.updateUser(trx, user.id, {
      password_hash: passwordHash,
      email_verified_at: user.email_verified_at ?? now,
      updated_at: now,
    });
    const revoked = await repo.revokeUserSessions(trx, user.id, "password_reset", now);
    await repo.clearLoginThrottle(trx, hashToken(`login:${user.email}`));
    await recordAuditEvent(
      trx,
      deps.clock,
      userEvent("auth.password_reset", ctx, user.id, user.id, { sessionsRevoked: "all" }),
    );
    return { user, revoked };
  });
  await forgetSessions(deps, revoked);
  await forgetUsers(deps, [user.id]);
  securityEvent(deps, "auth.password_reset", ctx, { userId: user.id });
  await sendIdentityMail(deps, "password-changed", user, { path: "/forgot-password" });
}

function usableLink(deps: IdentityDeps, link: { used_at: string | null; expires_at: string }): boolean {
  return link.used_at === null && link.expires_at > deps.clock.nowIso();
}
