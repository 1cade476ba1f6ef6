import type { Executor } from "../../platform/db/transaction.ts";
import { identityErrors } from "./errors.ts";
import * as repo from "./repository.ts";

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
