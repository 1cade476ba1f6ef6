import { inLockedTransaction } from "../../platform/db/locked-transaction.ts";
import { recordAuditEvent } from "../audit/index.ts";
import { allSources, collectPersonalData, erasePersonalData, personOf } from "./account-data.ts";
import { identityErrors } from "./errors.ts";
import { sendIdentityMail } from "./mail.ts";
import * as repo from "./repository.ts";
import {
  assertPassword,
  auditContext,
  type IdentityDeps,
  type PublicUser,
  type RequestContext,
  securityEvent,
  toPublicUser,
  type UserActor,
  userEvent,
} from "./service.ts";
import { forgetSessions } from "./session-cache.ts";
import type { UsersTable } from "./tables.ts";
import { cachedUser, forgetUsers } from "./user-cache.ts";

// The signed-in user's own account: profile, password change, export and deletion.

export async function changePassword(
  deps: IdentityDeps,
  actor: UserActor,
  input: { currentPassword: string; newPassword: string },
  ctx: RequestContext,
) {
  const user = await requireUser(deps, actor);
  await assertCurrentPassword(deps, user, input.currentPassword, "/body/currentPassword");
  assertPassword(input.newPassword, user.email, "/body/newPassword");
  const passwordHash = await deps.passwords.hash(input.newPassword);
  const now = deps.clock.nowIso();
  const revoked = await inLockedTransaction(deps.database.db, async (trx) => {
    // The user row first: logins racing this change either made their session before it
    // (revoked here) or find the credential changed when they insert theirs.
    const current = await repo.lockUser(trx, user.id);
    if (current?.password_hash !== user.password_hash) throw identityErrors.wrongPassword("/body/currentPassword");
    await repo.updateUser(trx, user.id, { password_hash: passwordHash, updated_at: now });
    const sessions = await repo.revokeUserSessions(trx, user.id, "password_changed", now, actor.sessionId);
    await recordAuditEvent(
      trx,
      deps.clock,
      userEvent("auth.password_changed", ctx, user.id, user.id, { sessionsRevoked: "others" }),
    );
    return sessions;
  });
  await forgetSessions(deps, revoked);
  await forgetUsers(deps, [user.id]);
  securityEvent(deps, "auth.password_changed", ctx, { userId: user.id });
  await sendIdentityMail(deps, "password-changed", user, { path: "/forgot-password" });
}

/** Sensitive changes of a signed-in user re-check the password; `path` names the field in the 422. */
export async function assertCurrentPassword(deps: IdentityDeps, user: UsersTable, password: string, path: string) {
  const verdict = user.password_hash ? await deps.passwords.verify(user.password_hash, password) : { ok: false };
  if (!verdict.ok) throw identityErrors.wrongPassword(path);
}

export async function requireUser(deps: IdentityDeps, actor: UserActor): Promise<UsersTable> {
  const user = await repo.findUserById(deps.database.db, actor.userId);
  if (!user) throw identityErrors.invalidRefreshToken();
  return user;
}

export async function getMe(deps: IdentityDeps, actor: UserActor): Promise<PublicUser> {
  const user = await cachedUser(deps, actor.userId);
  if (!user) throw identityErrors.invalidRefreshToken();
  const { status: _status, ...shown } = user;
  return shown;
}

export async function updateMe(deps: IdentityDeps, actor: UserActor, input: { name: string }): Promise<PublicUser> {
  const now = deps.clock.nowIso();
  await repo.updateUser(deps.database.db, actor.userId, { name: input.name.trim(), updated_at: now });
  await forgetUsers(deps, [actor.userId]);
  return getMe(deps, actor);
}

/**
 * Deactivates the account and erases what is stored about the person (docs/data.md,
 * "Personal data"): the row is scrubbed but stays, so the references that remain (audit
 * events, keys, partnerships) point to an id that no longer says who it was.
 */
export async function deleteMe(
  deps: IdentityDeps,
  actor: UserActor,
  input: { password?: string | undefined },
  ctx: RequestContext,
) {
  const user = await requireUser(deps, actor);
  // An account with a password proves it; one without (SSO or social sign-in only) has only
  // the recent sign-in the route's step-up already demanded.
  if (user.password_hash !== null) {
    if (input.password === undefined) throw identityErrors.passwordRequired("/body/password");
    await assertCurrentPassword(deps, user, input.password, "/body/password");
  }
  const now = deps.clock.nowIso();
  const { revoked, afterCommit } = await inLockedTransaction(deps.database.db, async (trx) => {
    // First: refuses the last owner of a company (409) before anything changes; its company
    // and membership locks come before the user's, as the locking discipline orders them.
    const afterCommit = await deps.accountDeletion(trx, user.id, {
      actorType: "user",
      actorId: user.id,
      ...auditContext(ctx),
    });
    await repo.lockUser(trx, user.id);
    const deleted = await repo.updateLiveUser(trx, user.id, {
      status: "deleted",
      email: `deleted+${user.id}@invalid`,
      name: "",
      password_hash: null,
      deleted_at: now,
      updated_at: now,
    });
    if (!deleted) throw identityErrors.invalidRefreshToken();
    const sessions = await repo.revokeUserSessions(trx, user.id, "account_deleted", now);
    // The platform stream first, then the companies' (sorted): every multi-stream writer locks in this order.
    await recordAuditEvent(trx, deps.clock, userEvent("user.deleted", ctx, user.id, user.id));
    // What other modules keep about the person (sessions, tokens, invitations, audit IPs): erased here.
    const erased = await erasePersonalData(trx, allSources(deps.personalData), personOf(user), deps.clock);
    return { revoked: sessions, afterCommit: [afterCommit, ...erased] };
  });
  await forgetSessions(deps, revoked);
  await forgetUsers(deps, [user.id]);
  for (const evict of afterCommit) await evict();
  securityEvent(deps, "user.deleted", ctx, { userId: user.id });
}

/** Everything stored about the signed-in person, one array per category (docs/data.md). */
export async function exportMe(deps: IdentityDeps, actor: UserActor) {
  const user = await requireUser(deps, actor);
  const categories = await collectPersonalData(deps.database.db, allSources(deps.personalData), personOf(user));
  return { user: toPublicUser(user), exportedAt: deps.clock.nowIso(), ...categories };
}
