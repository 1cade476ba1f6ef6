import { isUuid } from "../../platform/db/ids.ts";
import { inLockedTransaction } from "../../platform/db/locked-transaction.ts";
import { type AuditActor, recordAuditEvent } from "../audit/index.ts";
import { lockOperatorAndAccount } from "./account-lock.ts";
import type { AdminUserView } from "./admin.ts";
import { identityErrors } from "./errors.ts";
import { loginThrottleKey } from "./personal-data.ts";
import * as repo from "./repository.ts";
import { type IdentityDeps, toPublicUser } from "./service.ts";

/**
 * A platform admin lifts the sign-in lockout of an account's address (login-throttle.ts):
 * the throttle row goes, so the failure count, the lockout in force and the count of past
 * lockouts (which doubles the next one) all start afresh — the operator vouched for the
 * person, as a password reset (which proves the mailbox) does the same. Nothing else
 * changes: sessions, factors and the password stay; an MFA ticket's own failure count is
 * the ticket's and ends with it.
 *
 * Idempotent: an address with nothing counted against it succeeds and records nothing (no
 * event claims a change that did not happen). Whenever a count was cleared, `user.unlocked`
 * is on the platform trail in the same transaction, with the operator as actor and what was
 * cleared in its metadata (`wasLocked` says whether a lockout was in force).
 */
export async function unlockUser(
  deps: Pick<IdentityDeps, "database" | "clock">,
  userId: string,
  who: AuditActor,
): Promise<AdminUserView> {
  if (!isUuid(userId)) throw identityErrors.userNotFound();
  return inLockedTransaction(deps.database.db, async (trx) => {
    const now = deps.clock.nowIso();
    // Lock order (docs/architecture.md): users (the operator and the account, by id) → login
    // throttle → the platform's audit head.
    const user = await lockOperatorAndAccount(trx, who, userId);
    if (!user || user.status === "deleted") throw identityErrors.userNotFound();
    const key = loginThrottleKey(user.email);
    const row = await repo.lockExistingLoginThrottle(trx, key);
    if (row && (row.failures > 0 || row.lockouts > 0 || row.locked_until !== null)) {
      await repo.clearLoginThrottle(trx, key);
      await recordAuditEvent(trx, deps.clock, {
        ...who,
        action: "user.unlocked",
        targetType: "user",
        targetId: userId,
        metadata: {
          wasLocked: row.locked_until !== null && row.locked_until > now,
          lockedUntil: row.locked_until,
          failuresCleared: row.failures,
          lockoutsCleared: row.lockouts,
        },
      });
    }
    return { ...toPublicUser(user), status: user.status, lockedUntil: null };
  });
}
