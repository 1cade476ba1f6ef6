import { type Cache, namespaceOf } from "../../platform/cache/contract.ts";
import type { PlatformRole, UserStatus } from "./tables.ts";

/**
 * The per-request authentication lookup (session + user status), cached by session id.
 * Every revocation — logout, password change, suspension, deletion, refresh-token reuse —
 * evicts the sessions it revoked on every instance after its transaction commits, so a
 * revoked session or suspended user is refused on the very next request.
 */
export interface CachedSession {
  readonly userId: string;
  readonly active: boolean;
  readonly platformRole: PlatformRole;
  readonly emailVerified: boolean;
}

/**
 * Short, because one change is not evicted: a platform-role promotion by the CLI (which
 * has no cache to evict from) reaches running instances within this many seconds. Every
 * change that takes rights away evicts at once.
 */
export const SESSION_TTL_S = 60;

export const sessionLookups = namespaceOf<CachedSession | null>({ name: "session", version: 2 });

export function toCachedSession(row: {
  user_id: string;
  revoked_at: string | null;
  status: UserStatus;
  platform_role: PlatformRole;
  email_verified_at: string | null;
}): CachedSession {
  return {
    userId: row.user_id,
    active: row.revoked_at === null && row.status === "active",
    platformRole: row.platform_role,
    emailVerified: row.email_verified_at !== null,
  };
}

export async function forgetSessions(deps: { cache: Cache }, sessionIds: readonly string[]): Promise<void> {
  const sessions = sessionLookups(deps.cache);
  await Promise.all(sessionIds.map((id) => sessions.delete(id)));
}
