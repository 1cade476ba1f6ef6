import { type Cache, namespaceOf } from "../../platform/cache/contract.ts";
import type { Executor } from "../../platform/db/transaction.ts";
import * as repo from "./repository.ts";
import type { PlatformRole, UserStatus, UsersTable } from "./tables.ts";

/**
 * The user row as the hot path reads it (`GET /users/me`, and whether an API key's creator
 * may still act), cached by user id in the two-layer cache so an authenticated read makes no
 * database round trip. Never the password hash or anything secret: the cache is shared
 * through Redis. Every write to the users table evicts the user here, on every instance,
 * after its transaction commits (`forgetUsers`; a test reads each writer of the table for
 * the call) — so a suspension, a new name or a verified address shows on the next request.
 */
export interface CachedUser {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly status: UserStatus;
  readonly platformRole: PlatformRole;
  readonly emailVerified: boolean;
  readonly createdAt: string;
}

/**
 * A bound on what an eviction that never arrived (Redis down while the change committed) can
 * leave behind: the local layer re-reads within this many seconds.
 */
export const USER_TTL_S = 60;

const userRows = namespaceOf<CachedUser | null>({ name: "user", version: 1 });

function toCachedUser(row: UsersTable): CachedUser {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    status: row.status,
    platformRole: row.platform_role,
    emailVerified: row.email_verified_at !== null,
    createdAt: row.created_at,
  };
}

/** The user, or null when no such row exists. */
export function cachedUser(deps: { cache: Cache; database: { db: Executor } }, userId: string) {
  return userRows(deps.cache).getOrLoad(userId, USER_TTL_S, async () => {
    const row = await repo.findUserById(deps.database.db, userId);
    return row ? toCachedUser(row) : null;
  });
}

/** Several users (a page of a company's members): cached ones without a query, the rest in one. */
export async function cachedUsers(
  deps: { cache: Cache; database: { db: Executor } },
  userIds: readonly string[],
): Promise<Map<string, CachedUser>> {
  const found = await userRows(deps.cache).getOrLoadMany(userIds, USER_TTL_S, async (missing) => {
    const rows = new Map((await repo.findUsersByIds(deps.database.db, missing)).map((row) => [row.id, row]));
    return new Map(missing.map((id) => [id, rows.has(id) ? toCachedUser(rows.get(id) as UsersTable) : null]));
  });
  const users = new Map<string, CachedUser>();
  for (const [id, user] of found) if (user !== null) users.set(id, user);
  return users;
}

/** After a write to these users' rows has committed: every instance reads them afresh. */
export async function forgetUsers(deps: { cache: Cache }, userIds: readonly string[]): Promise<void> {
  const users = userRows(deps.cache);
  await Promise.all(userIds.map((id) => users.delete(id)));
}
