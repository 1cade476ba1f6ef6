import type { Config } from "../../config/settings/index.ts";
import type { Clock } from "../../platform/clock.ts";
import type { DatabaseHandle } from "../../platform/db/connect.ts";
import { inLockedTransaction } from "../../platform/db/locked-transaction.ts";
import * as repo from "./repository.ts";

const LOCK_BASE_S = 60;
const LOCK_CAP_S = 3600;

interface ThrottleDeps {
  readonly config: Pick<Config, "LOGIN_MAX_FAILURES">;
  readonly database: DatabaseHandle;
  readonly clock: Clock;
}

/** Whether a login may verify a password now and, if this attempt started a lockout, for how long. */
export type LoginAttempt =
  | { readonly allowed: false; readonly retryAfterSeconds: number }
  | { readonly allowed: true; readonly lockSeconds?: number };

/**
 * Claims one password verification for an address before the (slow) verification runs,
 * counting it as a failure in advance; a success clears the count afterwards. Claims are
 * made one at a time under the throttle row's lock, so however many attempts arrive at once
 * at most LOGIN_MAX_FAILURES are verified per lockout window: the attempt that reaches the
 * limit starts the lockout (1 min, doubling per lockout, capped at 1 h) and every later one
 * is refused without touching the password. Concurrent failures cannot stack lockouts —
 * the lock is taken once, by the claim that reached the limit (docs/security.md).
 */
export function claimLoginAttempt(deps: ThrottleDeps, emailHash: string): Promise<LoginAttempt> {
  return inLockedTransaction(deps.database.db, async (trx) => {
    const now = deps.clock.now();
    const row = await repo.lockLoginThrottle(trx, emailHash, now.toISOString());
    if (row.locked_until) {
      const remaining = Math.ceil((Date.parse(row.locked_until) - now.getTime()) / 1000);
      if (remaining > 0) return { allowed: false, retryAfterSeconds: remaining };
    }
    const failures = row.failures + 1;
    const reachesLimit = failures >= deps.config.LOGIN_MAX_FAILURES;
    const lockSeconds = reachesLimit ? Math.min(LOCK_BASE_S * 2 ** row.lockouts, LOCK_CAP_S) : undefined;
    await repo.saveLoginThrottle(trx, {
      email_hash: emailHash,
      failures: reachesLimit ? 0 : failures,
      lockouts: reachesLimit ? row.lockouts + 1 : row.lockouts,
      locked_until: lockSeconds ? new Date(now.getTime() + lockSeconds * 1000).toISOString() : row.locked_until,
      updated_at: now.toISOString(),
    });
    return lockSeconds ? { allowed: true, lockSeconds } : { allowed: true };
  });
}
