import { identityErrors } from "./errors.ts";
import * as repo from "./repository.ts";
import { hashToken } from "./secrets.ts";
import type { IdentityDeps, UserActor } from "./service.ts";
import { forgetSessions } from "./session-cache.ts";

// The signed-in user's sessions: listing them and ending one, this one or all.

export async function logout(deps: IdentityDeps, actor: UserActor): Promise<void> {
  await repo.revokeSession(deps.database.db, actor.sessionId, "logout", deps.clock.nowIso());
  await forgetSessions(deps, [actor.sessionId]);
}

/** Revokes the session a refresh token belongs to (cookie logout without an access token). */
export async function logoutByRefreshToken(deps: IdentityDeps, presented: string): Promise<void> {
  const row = await repo.findRefreshTokenByHash(deps.database.db, hashToken(presented));
  if (!row) return;
  await repo.revokeSession(deps.database.db, row.session_id, "logout", deps.clock.nowIso());
  await forgetSessions(deps, [row.session_id]);
}

export async function logoutAll(deps: IdentityDeps, actor: UserActor): Promise<number> {
  const revoked = await repo.revokeUserSessions(deps.database.db, actor.userId, "logout_all", deps.clock.nowIso());
  await forgetSessions(deps, revoked);
  return revoked.length;
}

export async function listSessions(deps: IdentityDeps, actor: UserActor) {
  const sessions = await repo.listActiveSessions(deps.database.db, actor.userId, deps.clock.nowIso());
  return sessions.map((s) => ({
    id: s.id,
    current: s.id === actor.sessionId,
    device: s.user_agent,
    ip: s.ip,
    createdAt: s.created_at,
    lastUsedAt: s.last_used_at,
    expiresAt: s.expires_at,
  }));
}

export async function revokeOwnSession(deps: IdentityDeps, actor: UserActor, sessionId: string): Promise<void> {
  const session = await repo.findSession(deps.database.db, sessionId);
  // Another user's session answers exactly like a missing one.
  if (!session || session.user_id !== actor.userId || session.revoked_at !== null)
    throw identityErrors.sessionNotFound();
  await repo.revokeSession(deps.database.db, sessionId, "revoked_by_user", deps.clock.nowIso());
  await forgetSessions(deps, [sessionId]);
}
