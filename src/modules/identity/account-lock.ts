import { accessErrors } from "../../platform/access/errors.ts";
import type { Executor } from "../../platform/db/transaction.ts";
import type { AuditActor } from "../audit/index.ts";
import { identityErrors } from "./errors.ts";
import * as repo from "./repository.ts";
import type { UsersTable } from "./tables.ts";

/**
 * Locks the account's row inside the caller's transaction and refuses (401, as for a revoked
 * session) unless the account is active. A use case that adds the account to something —
 * accepting an invitation — takes this lock after the company's and before any row it
 * writes: an account deletion in flight (which holds the row from its status change to its
 * commit) then either commits first, and is seen here, or waits for the addition and erases
 * it with the rest. Taken later — after the invitation row — the two waited for each other.
 */
export async function lockLiveAccount(trx: Executor, userId: string): Promise<void> {
  const user = (await repo.lockUsers(trx, [userId])).get(userId);
  if (user?.status !== "active") throw identityErrors.accountNotLive();
}

/**
 * An operator's action on an account: the operator (when a user acts) and the account are
 * locked in id order (docs/architecture.md), and the operator is re-read — one demoted or
 * suspended since the access hook decided acts on no one (403). Two admins acting on each
 * other take turns, and the second finds they no longer hold the right. Returns the account's
 * locked row, if it exists.
 */
export async function lockOperatorAndAccount(
  trx: Executor,
  who: AuditActor,
  userId: string,
): Promise<UsersTable | undefined> {
  const operatorId = who.actorType === "user" ? who.actorId : null;
  const users = await repo.lockUsers(trx, operatorId ? [userId, operatorId] : [userId]);
  const operator = operatorId ? users.get(operatorId) : undefined;
  if (operatorId && (operator?.status !== "active" || operator.platform_role !== "admin")) {
    throw accessErrors.platformAdminRequired();
  }
  return users.get(userId);
}
