import { isUuid } from "../../platform/db/ids.ts";
import { inLockedTransaction } from "../../platform/db/locked-transaction.ts";
import type { AuditActor } from "../audit/index.ts";
import { recordAuditEvent } from "../audit/index.ts";
import { identityErrors } from "./errors.ts";
import * as factorRepo from "./factor-repository.ts";
import { sendIdentityMail } from "./mail.ts";
import * as repo from "./repository.ts";
import type { IdentityDeps } from "./service.ts";

/**
 * A platform admin removes every second factor and recovery code of an account (its owner
 * lost the device). The event is on the platform trail with the admin as actor and the
 * account as target, so it is also in the account's own history (its export's auditEvents);
 * the owner is mailed. Pending sign-in tickets go too; the password still works.
 */
export async function resetUserFactors(
  deps: Pick<IdentityDeps, "database" | "clock" | "config" | "mailer">,
  userId: string,
  who: AuditActor,
) {
  if (!isUuid(userId)) throw identityErrors.userNotFound();
  const { user, removed } = await inLockedTransaction(deps.database.db, async (trx) => {
    const user = await repo.lockUser(trx, userId);
    if (!user || user.status === "deleted") throw identityErrors.userNotFound();
    const removed = await factorRepo.deleteAllFactors(trx, userId);
    await trx.deleteFrom("mfa_tickets").where("user_id", "=", userId).execute();
    await recordAuditEvent(trx, deps.clock, {
      ...who,
      action: "user.factors_reset",
      targetType: "user",
      targetId: userId,
      metadata: { factorsRemoved: removed },
    });
    return { user, removed };
  });
  await sendIdentityMail(deps, "factors-reset", user, { path: "/sign-in" });
  return { factorsRemoved: removed };
}
