import { isUuid } from "../../platform/db/ids.ts";
import { inLockedTransaction } from "../../platform/db/locked-transaction.ts";
import { withTransaction } from "../../platform/db/transaction.ts";
import { type Page, type PageQuery, pageRequest, toPage } from "../../platform/http/pagination.ts";
import { type AuditActor, recordAuditEvent, systemActor } from "../audit/index.ts";
import { lockOperatorAndAccount } from "./account-lock.ts";
import { identityErrors } from "./errors.ts";
import { loginThrottleKey } from "./personal-data.ts";
import { newAccountRow } from "./registration.ts";
import * as repo from "./repository.ts";
import { normalizeEmail } from "./secrets.ts";
import { assertPassword, type IdentityDeps, type PublicUser, toPublicUser } from "./service.ts";
import { forgetSessions } from "./session-cache.ts";
import type { UsersTable } from "./tables.ts";
import { forgetUsers } from "./user-cache.ts";

// Platform administration of accounts: the admin listing, suspension, and the CLI's create-admin.

export interface AdminUserView extends PublicUser {
  status: UsersTable["status"];
  /** When the sign-in lockout of the account's address ends; null when it is not locked out now. */
  lockedUntil: string | null;
}

/**
 * The lockouts in force now of these addresses, by address: one read of the throttle rows
 * keyed as login keys them, so the operator's listing shows who an unlock would help.
 */
export async function lockoutsOf(
  deps: Pick<IdentityDeps, "database" | "clock">,
  emails: readonly string[],
): Promise<Map<string, string>> {
  const keys = new Map(emails.map((email) => [loginThrottleKey(email), email]));
  const rows = await repo.findLoginThrottles(deps.database.db, [...keys.keys()]);
  const now = deps.clock.nowIso();
  const locked = new Map<string, string>();
  for (const row of rows) {
    const email = keys.get(row.email_hash);
    if (email !== undefined && row.locked_until !== null && row.locked_until > now) locked.set(email, row.locked_until);
  }
  return locked;
}

export async function listUsers(
  deps: Pick<IdentityDeps, "database" | "clock">,
  query: PageQuery & { readonly q?: string },
): Promise<Page<AdminUserView>> {
  const page = pageRequest(query, isUuid);
  const rows = await repo.pageOfUsers(deps.database.db, page, query.q);
  const locked = await lockoutsOf(
    deps,
    rows.map((row) => row.email),
  );
  return toPage(
    rows,
    page,
    (row) => row.id,
    (row) => ({ ...toPublicUser(row), status: row.status, lockedUntil: locked.get(row.email) ?? null }),
  );
}

/**
 * Suspension takes effect on the next request: every session is revoked in the same
 * transaction and authentication re-reads the user's status on each request. Lifting it
 * restores nothing: the user signs in again.
 */
export async function setUserSuspended(
  deps: Pick<IdentityDeps, "database" | "clock" | "cache">,
  userId: string,
  suspended: boolean,
  who: AuditActor,
): Promise<AdminUserView> {
  if (!isUuid(userId)) throw identityErrors.userNotFound();
  const now = deps.clock.nowIso();
  const status = suspended ? "suspended" : "active";
  const { user, revoked } = await inLockedTransaction(deps.database.db, async (trx) => {
    // Two admins suspending each other take turns; the second no longer holds the right to.
    const user = await lockOperatorAndAccount(trx, who, userId);
    // Deleted is terminal: never suspended or unsuspended, even when deleted a moment ago.
    if (!user || !(await repo.updateLiveUser(trx, userId, { status, updated_at: now })))
      throw identityErrors.userNotFound();
    const sessions = suspended ? await repo.revokeUserSessions(trx, userId, "suspended", now) : [];
    await recordAuditEvent(trx, deps.clock, {
      ...who,
      action: suspended ? "user.suspended" : "user.unsuspended",
      targetType: "user",
      targetId: userId,
      metadata: { before: user.status, after: status, sessionsRevoked: sessions.length },
    });
    return { user, revoked: sessions };
  });
  await forgetSessions(deps, revoked);
  await forgetUsers(deps, [userId]);
  const locked = await lockoutsOf(deps, [user.email]);
  return { ...toPublicUser(user), status, lockedUntil: locked.get(user.email) ?? null };
}

/** What `rampart users create-admin` did, or why it refused. */
export type AdminPromotion =
  | { readonly outcome: "created"; readonly userId: string }
  | { readonly outcome: "promoted"; readonly userId: string; readonly sessionsRevoked: number }
  | { readonly outcome: "refused"; readonly reason: string };

/**
 * `rampart users create-admin`: creates the account (verified, with the operator's
 * password) when there is none, or promotes an existing one — only when its owner proved
 * the address (else whoever registered it first, perhaps an attacker who knew the
 * operator's address, would become admin), and only without a password (the operator's
 * password would silently not be the account's). Promotion revokes every session of the
 * account: whoever is signed in must sign in again to act as admin.
 */
export async function createOrPromoteAdmin(
  deps: Pick<IdentityDeps, "database" | "clock" | "passwords">,
  input: { email: string; name?: string; password: string; passwordFromOperator: boolean },
): Promise<AdminPromotion> {
  const email = normalizeEmail(input.email);
  const now = deps.clock.nowIso();
  const existing = await repo.findUserByEmail(deps.database.db, email);
  if (existing) {
    if (input.passwordFromOperator) {
      return {
        outcome: "refused",
        reason: `${email} already has an account: --password-stdin sets the password of a new account only. Run again without it to promote the account, whose owner keeps their own password.`,
      };
    }
    if (existing.status !== "active") {
      return { outcome: "refused", reason: `the account of ${email} is ${existing.status}: it cannot be promoted` };
    }
    if (existing.email_verified_at === null) {
      return {
        outcome: "refused",
        reason: `the account of ${email} has not confirmed its address, so it may not be yours: confirm it through the verification mail (or delete that account), then run again`,
      };
    }
    const sessions = await withTransaction(deps.database.db, async (trx) => {
      await repo.updateUser(trx, existing.id, { platform_role: "admin", updated_at: now });
      const revoked = await repo.revokeUserSessions(trx, existing.id, "promoted_admin", now);
      await recordAuditEvent(trx, deps.clock, {
        ...systemActor("cli"),
        action: "user.promoted_admin",
        targetType: "user",
        targetId: existing.id,
        metadata: { sessionsRevoked: revoked.length },
      });
      return revoked;
    });
    // No cache to evict from in the CLI: running instances show the new role within USER_TTL_S
    // (user-cache.ts) and SESSION_TTL_S; the revoked sessions must sign in again anyway.
    return { outcome: "promoted", userId: existing.id, sessionsRevoked: sessions.length };
  }
  assertPassword(input.password, email, "password");
  const user = newAccountRow(
    {
      email,
      email_verified_at: now,
      name: input.name?.trim() || email,
      password_hash: await deps.passwords.hash(input.password),
      platform_role: "admin",
    },
    now,
  );
  await repo.insertUser(deps.database.db, user);
  return { outcome: "created", userId: user.id };
}

export async function countPlatformAdmins(deps: Pick<IdentityDeps, "database">): Promise<number> {
  return repo.countAdmins(deps.database.db);
}
