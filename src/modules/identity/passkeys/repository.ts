import type { Executor } from "../../../platform/db/transaction.ts";
import type { ChallengePurpose, PasskeysTable, WebauthnChallengesTable } from "./tables.ts";

// Passkeys and their challenges (passkeys.ts). Every write that decides something — a
// challenge answered, a counter advanced — is one conditional statement whose row count
// says whether this request won.

export async function insertChallenge(db: Executor, row: WebauthnChallengesTable): Promise<void> {
  await db.insertInto("webauthn_challenges").values(row).execute();
}

/** Expired challenges nobody answered: removed whenever a new one is handed out. */
export async function deleteExpiredChallenges(db: Executor, now: string): Promise<void> {
  await db.deleteFrom("webauthn_challenges").where("expires_at", "<=", now).execute();
}

/**
 * Spends a challenge: true only for the one request whose DELETE removed the live row of
 * this purpose (and this user, when it was handed to one). A second answer, an expired
 * challenge or another user's finds nothing.
 */
export async function consumeChallenge(
  db: Executor,
  challenge: string,
  purpose: ChallengePurpose,
  userId: string | null,
  now: string,
): Promise<boolean> {
  let query = db
    .deleteFrom("webauthn_challenges")
    .where("challenge", "=", challenge)
    .where("purpose", "=", purpose)
    .where("expires_at", ">", now);
  query = userId === null ? query.where("user_id", "is", null) : query.where("user_id", "=", userId);
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

export async function insertPasskey(db: Executor, row: PasskeysTable): Promise<void> {
  await db.insertInto("passkeys").values(row).execute();
}

export function findPasskeyByCredentialId(db: Executor, credentialId: string): Promise<PasskeysTable | undefined> {
  return db.selectFrom("passkeys").selectAll().where("credential_id", "=", credentialId).executeTakeFirst();
}

export function listPasskeys(db: Executor, userId: string): Promise<PasskeysTable[]> {
  return db
    .selectFrom("passkeys")
    .selectAll()
    .where("user_id", "=", userId)
    .orderBy("created_at")
    .orderBy("id")
    .execute();
}

export async function countPasskeys(db: Executor, userId: string): Promise<number> {
  const row = await db
    .selectFrom("passkeys")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("user_id", "=", userId)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Renames the user's own passkey; undefined when it is not theirs (or gone). */
export function renamePasskey(
  db: Executor,
  userId: string,
  id: string,
  name: string,
): Promise<PasskeysTable | undefined> {
  return db
    .updateTable("passkeys")
    .set({ name })
    .where("id", "=", id)
    .where("user_id", "=", userId)
    .returningAll()
    .executeTakeFirst();
}

export async function deletePasskey(db: Executor, userId: string, id: string): Promise<boolean> {
  const result = await db.deleteFrom("passkeys").where("id", "=", id).where("user_id", "=", userId).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

/**
 * Records a use: the counter only moves forward. `previous` is the counter the response was
 * checked against; a concurrent use that advanced it first makes this update find nothing,
 * so two responses can never both pass with the same counter.
 */
export async function recordPasskeyUse(
  db: Executor,
  id: string,
  previous: number,
  counter: number,
  now: string,
): Promise<boolean> {
  const result = await db
    .updateTable("passkeys")
    .set({ counter, last_used_at: now })
    .where("id", "=", id)
    .where("counter", "=", previous)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
