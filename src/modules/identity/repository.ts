import { toCount } from "../../platform/db/dialect.ts";
import { contentionError } from "../../platform/db/errors.ts";
import { keysetPage } from "../../platform/db/keyset.ts";
import { forUpdate } from "../../platform/db/locked-transaction.ts";
import { searchFilter } from "../../platform/db/text-search.ts";
import type { Executor } from "../../platform/db/transaction.ts";
import type { PageRequest } from "../../platform/http/pagination.ts";
import type {
  EmailTokenPurpose,
  EmailTokensTable,
  LoginThrottlesTable,
  RefreshTokensTable,
  SessionsTable,
  UsersTable,
} from "./tables.ts";

export function findUserByEmail(db: Executor, email: string): Promise<UsersTable | undefined> {
  return db.selectFrom("users").selectAll().where("email", "=", email).executeTakeFirst();
}

export function findUserById(db: Executor, id: string): Promise<UsersTable | undefined> {
  return db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
}

export function findUsersByIds(db: Executor, ids: readonly string[]): Promise<UsersTable[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db.selectFrom("users").selectAll().where("id", "in", ids).execute();
}

/** Users not deleted; with `search`, those whose email or name contains it, or whose id it is. */
export function pageOfUsers(db: Executor, page: PageRequest, search?: string): Promise<UsersTable[]> {
  let query = db.selectFrom("users").selectAll().where("status", "!=", "deleted");
  if (search !== undefined) {
    query = query.where((eb) => searchFilter(eb, search, [eb.ref("email"), eb.ref("name")], (id) => eb("id", "=", id)));
  }
  return keysetPage(query, "id", page).execute();
}

export async function countAdmins(db: Executor): Promise<number> {
  const row = await db
    .selectFrom("users")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("platform_role", "=", "admin")
    .where("status", "=", "active")
    .executeTakeFirst();
  return toCount(row?.n);
}

export async function insertUser(db: Executor, user: UsersTable): Promise<void> {
  await db.insertInto("users").values(user).execute();
}

export async function updateUser(db: Executor, id: string, patch: Partial<Omit<UsersTable, "id">>): Promise<void> {
  await db.updateTable("users").set(patch).where("id", "=", id).execute();
}

export async function insertSession(db: Executor, session: SessionsTable): Promise<void> {
  await db.insertInto("sessions").values(session).execute();
}

export function findSession(db: Executor, id: string): Promise<SessionsTable | undefined> {
  return db.selectFrom("sessions").selectAll().where("id", "=", id).executeTakeFirst();
}

/** The session and its user in one query: the per-request authentication lookup. */
export function findSessionWithUser(db: Executor, sessionId: string) {
  return db
    .selectFrom("sessions")
    .innerJoin("users", "users.id", "sessions.user_id")
    .select([
      "sessions.id as session_id",
      "sessions.revoked_at",
      "sessions.expires_at",
      "sessions.amr",
      "sessions.auth_time",
      "sessions.created_at",
      "users.id as user_id",
      "users.status",
      "users.platform_role",
      "users.email_verified_at",
    ])
    .where("sessions.id", "=", sessionId)
    .executeTakeFirst();
}

export function listActiveSessions(db: Executor, userId: string, now: string): Promise<SessionsTable[]> {
  return db
    .selectFrom("sessions")
    .selectAll()
    .where("user_id", "=", userId)
    .where("revoked_at", "is", null)
    .where("expires_at", ">", now)
    .orderBy("last_used_at", "desc")
    .execute();
}

export async function touchSession(db: Executor, id: string, now: string, ip: string | null, userAgent: string | null) {
  await db.updateTable("sessions").set({ last_used_at: now, ip, user_agent: userAgent }).where("id", "=", id).execute();
}

/** Revokes one session; returns whether it was active. */
export async function revokeSession(db: Executor, id: string, reason: string, now: string): Promise<boolean> {
  const result = await db
    .updateTable("sessions")
    .set({ revoked_at: now, revoked_reason: reason })
    .where("id", "=", id)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Revokes the user's live sessions; returns their ids (to evict them from the session cache). */
export async function revokeUserSessions(
  db: Executor,
  userId: string,
  reason: string,
  now: string,
  exceptSessionId?: string,
): Promise<string[]> {
  let query = db
    .updateTable("sessions")
    .set({ revoked_at: now, revoked_reason: reason })
    .where("user_id", "=", userId)
    .where("revoked_at", "is", null);
  if (exceptSessionId) query = query.where("id", "!=", exceptSessionId);
  const rows = await query.returning("id").execute();
  return rows.map((row) => row.id);
}

export async function insertRefreshToken(db: Executor, token: RefreshTokensTable): Promise<void> {
  await db.insertInto("refresh_tokens").values(token).execute();
}

export function findRefreshTokenByHash(db: Executor, tokenHash: string): Promise<RefreshTokensTable | undefined> {
  return db.selectFrom("refresh_tokens").selectAll().where("token_hash", "=", tokenHash).executeTakeFirst();
}

/** When and to what a token was rotated; for a row the caller knows exists (its session is locked). */
export function refreshTokenRotation(
  db: Executor,
  id: string,
): Promise<Pick<RefreshTokensTable, "rotated_at" | "successor_sealed">> {
  return db
    .selectFrom("refresh_tokens")
    .select(["rotated_at", "successor_sealed"])
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
}

/** Marks a refresh token rotated unless a concurrent request already did; returns whether this call won. */
export async function markRefreshTokenRotated(db: Executor, id: string, now: string, successorSealed: string) {
  const result = await db
    .updateTable("refresh_tokens")
    .set({ rotated_at: now, successor_sealed: successorSealed })
    .where("id", "=", id)
    .where("rotated_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function insertEmailToken(db: Executor, token: EmailTokensTable): Promise<void> {
  await db.insertInto("email_tokens").values(token).execute();
}

export function findEmailToken(db: Executor, tokenHash: string, purpose: EmailTokenPurpose) {
  return db
    .selectFrom("email_tokens")
    .selectAll()
    .where("token_hash", "=", tokenHash)
    .where("purpose", "=", purpose)
    .executeTakeFirst();
}

/** Single use: only the first caller gets true, even under concurrency. */
export async function consumeEmailToken(db: Executor, id: string, now: string): Promise<boolean> {
  const result = await db
    .updateTable("email_tokens")
    .set({ used_at: now })
    .where("id", "=", id)
    .where("used_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Earlier unused links of the same purpose stop working when a new one is issued or one is used. */
export async function expireEmailTokens(db: Executor, userId: string, purpose: EmailTokenPurpose, now: string) {
  await db
    .updateTable("email_tokens")
    .set({ used_at: now })
    .where("user_id", "=", userId)
    .where("purpose", "=", purpose)
    .where("used_at", "is", null)
    .execute();
}

export function findLoginThrottle(db: Executor, emailHash: string): Promise<LoginThrottlesTable | undefined> {
  return db.selectFrom("login_throttles").selectAll().where("email_hash", "=", emailHash).executeTakeFirst();
}

export async function saveLoginThrottle(db: Executor, row: LoginThrottlesTable): Promise<void> {
  await db
    .insertInto("login_throttles")
    .values(row)
    .onConflict((oc) =>
      oc.column("email_hash").doUpdateSet({
        failures: row.failures,
        lockouts: row.lockouts,
        locked_until: row.locked_until,
        updated_at: row.updated_at,
      }),
    )
    .execute();
}

/** Gives back one claimed attempt (a right password whose sign-in continues with a second factor). */
export async function refundLoginAttempt(db: Executor, emailHash: string): Promise<void> {
  await db
    .updateTable("login_throttles")
    .set((eb) => ({ failures: eb("failures", "-", 1) }))
    .where("email_hash", "=", emailHash)
    .where("failures", ">", 0)
    .execute();
}

/** The throttle rows of several addresses (the admin listing's lockouts), unlocked reads. */
export function findLoginThrottles(db: Executor, emailHashes: readonly string[]): Promise<LoginThrottlesTable[]> {
  if (emailHashes.length === 0) return Promise.resolve([]);
  return db.selectFrom("login_throttles").selectAll().where("email_hash", "in", emailHashes).execute();
}

export async function clearLoginThrottle(db: Executor, emailHash: string): Promise<void> {
  await db.deleteFrom("login_throttles").where("email_hash", "=", emailHash).execute();
}

// ---- locked reads (docs/architecture.md, "Locking discipline": users → sessions → tokens → throttles) ----

/** The user row, locked until the transaction ends: credential changes and session inserts serialise on it. */
export function lockUser(db: Executor, id: string): Promise<UsersTable | undefined> {
  return forUpdate(db, db.selectFrom("users").selectAll().where("id", "=", id)).executeTakeFirst();
}

/** Several users locked in id order (the global order): an admin acting on another account. */
export async function lockUsers(db: Executor, ids: readonly string[]): Promise<Map<string, UsersTable>> {
  const query = db
    .selectFrom("users")
    .selectAll()
    .where("id", "in", [...ids])
    .orderBy("id");
  const rows = await forUpdate(db, query).execute();
  return new Map(rows.map((row) => [row.id, row]));
}

/** Updates the user unless the account is deleted (terminal); returns whether it changed. */
export async function updateLiveUser(
  db: Executor,
  id: string,
  patch: Partial<Omit<UsersTable, "id">>,
): Promise<boolean> {
  const result = await db
    .updateTable("users")
    .set(patch)
    .where("id", "=", id)
    .where("status", "!=", "deleted")
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** The session's revocation, locked: a refresh and a revocation of the same session serialise. */
export function lockSession(db: Executor, id: string) {
  return forUpdate(db, db.selectFrom("sessions").select(["id", "revoked_at"]).where("id", "=", id)).executeTakeFirst();
}

/**
 * The throttle row of an address, created if missing and then locked: two first failures
 * for the same address cannot both start counting from zero.
 */
export async function lockLoginThrottle(db: Executor, emailHash: string, now: string): Promise<LoginThrottlesTable> {
  // The row can vanish while this waits for its lock: a successful login or a password reset
  // deletes it, and under READ COMMITTED the locked read then finds nothing. Creating it
  // again is the right answer (the count starts afresh), so insert-then-lock is retried.
  for (let attempt = 1; ; attempt++) {
    await db
      .insertInto("login_throttles")
      .values({ email_hash: emailHash, failures: 0, lockouts: 0, locked_until: null, updated_at: now })
      .onConflict((oc) => oc.column("email_hash").doNothing())
      .execute();
    const query = db.selectFrom("login_throttles").selectAll().where("email_hash", "=", emailHash);
    const row = await forUpdate(db, query).executeTakeFirst();
    if (row !== undefined) return row;
    // Deleted under us three times running: contention, answered as every exhausted retry is (503).
    if (attempt >= 3) throw contentionError();
  }
}

/** The throttle row of an address, locked, without creating one (an operator's unlock). */
export function lockExistingLoginThrottle(db: Executor, emailHash: string): Promise<LoginThrottlesTable | undefined> {
  return forUpdate(
    db,
    db.selectFrom("login_throttles").selectAll().where("email_hash", "=", emailHash),
  ).executeTakeFirst();
}
