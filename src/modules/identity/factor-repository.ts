import type { Executor } from "../../platform/db/transaction.ts";
import type { MfaTicketsTable, RecoveryCodesTable, UserFactorsTable } from "./tables.ts";

// Queries of second factors, recovery codes and MFA tickets. Every "use once" is a
// conditional UPDATE whose row count says who won: concurrent uses cannot both pass.

export async function insertFactor(db: Executor, factor: UserFactorsTable): Promise<void> {
  await db.insertInto("user_factors").values(factor).execute();
}

export function listFactors(db: Executor, userId: string): Promise<UserFactorsTable[]> {
  return db.selectFrom("user_factors").selectAll().where("user_id", "=", userId).orderBy("created_at").execute();
}

export function findFactor(db: Executor, userId: string, id: string): Promise<UserFactorsTable | undefined> {
  return db
    .selectFrom("user_factors")
    .selectAll()
    .where("id", "=", id)
    .where("user_id", "=", userId)
    .executeTakeFirst();
}

export function confirmedFactors(db: Executor, userId: string): Promise<UserFactorsTable[]> {
  return db
    .selectFrom("user_factors")
    .selectAll()
    .where("user_id", "=", userId)
    .where("confirmed_at", "is not", null)
    .orderBy("created_at")
    .execute();
}

/**
 * Accepts time step `step` of the factor unless it (or a later one) was accepted before:
 * the WHERE is re-evaluated under the row lock, so of two concurrent uses of one code,
 * exactly one updates a row. Returns whether this call won.
 */
export async function claimTotpStep(
  db: Executor,
  factorId: string,
  step: number,
  now: string,
  confirm: boolean,
): Promise<boolean> {
  const result = await db
    .updateTable("user_factors")
    .set(
      confirm
        ? { last_used_step: step, last_used_at: now, confirmed_at: now }
        : { last_used_step: step, last_used_at: now },
    )
    .where("id", "=", factorId)
    .where((eb) => eb.or([eb("last_used_step", "is", null), eb("last_used_step", "<", step)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** The session that just proved a factor now counts as signed in with it (amr pwd+otp+mfa, or its method). */
export async function upgradeSession(db: Executor, sessionId: string, now: string, method = "otp"): Promise<void> {
  await db
    .updateTable("sessions")
    .set({ amr: `pwd,${method},mfa`, auth_time: now })
    .where("id", "=", sessionId)
    .execute();
}

/** Ends the user's other live sessions that never used a second factor; returns their ids. */
export async function revokeSessionsWithoutMfa(
  db: Executor,
  userId: string,
  exceptSessionId: string,
  now: string,
): Promise<string[]> {
  const rows = await db
    .updateTable("sessions")
    .set({ revoked_at: now, revoked_reason: "mfa_enrolled" })
    .where("user_id", "=", userId)
    .where("id", "!=", exceptSessionId)
    .where("revoked_at", "is", null)
    .where((eb) => eb.or([eb("amr", "is", null), eb("amr", "not like", "%mfa%")]))
    .returning("id")
    .execute();
  return rows.map((row) => row.id);
}

export async function deleteFactor(db: Executor, userId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom("user_factors")
    .where("id", "=", id)
    .where("user_id", "=", userId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Every second factor of the account — TOTP factors and passkeys — and its recovery codes. */
export async function deleteAllFactors(db: Executor, userId: string): Promise<number> {
  const result = await db.deleteFrom("user_factors").where("user_id", "=", userId).executeTakeFirst();
  const passkeys = await db.deleteFrom("passkeys").where("user_id", "=", userId).executeTakeFirst();
  await db.deleteFrom("recovery_codes").where("user_id", "=", userId).execute();
  return Number(result.numDeletedRows) + Number(passkeys.numDeletedRows);
}

/** Whether the account keeps any second factor (a confirmed TOTP factor or a passkey). */
export async function hasAnyFactor(db: Executor, userId: string): Promise<boolean> {
  const totp = await db
    .selectFrom("user_factors")
    .select("id")
    .where("user_id", "=", userId)
    .where("confirmed_at", "is not", null)
    .executeTakeFirst();
  if (totp) return true;
  return (await db.selectFrom("passkeys").select("id").where("user_id", "=", userId).executeTakeFirst()) !== undefined;
}

export async function replaceRecoveryCodes(db: Executor, userId: string, rows: RecoveryCodesTable[]): Promise<void> {
  await db.deleteFrom("recovery_codes").where("user_id", "=", userId).execute();
  if (rows.length > 0) await db.insertInto("recovery_codes").values(rows).execute();
}

/** Marks the code used unless it already was; returns whether this call used it. */
export async function useRecoveryCode(db: Executor, userId: string, codeHash: string, now: string): Promise<boolean> {
  const result = await db
    .updateTable("recovery_codes")
    .set({ used_at: now })
    .where("user_id", "=", userId)
    .where("code_hash", "=", codeHash)
    .where("used_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function countUnusedRecoveryCodes(db: Executor, userId: string): Promise<number> {
  const row = await db
    .selectFrom("recovery_codes")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("user_id", "=", userId)
    .where("used_at", "is", null)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function insertTicket(db: Executor, ticket: MfaTicketsTable): Promise<void> {
  await db.insertInto("mfa_tickets").values(ticket).execute();
}

export function findTicket(db: Executor, ticketHash: string): Promise<MfaTicketsTable | undefined> {
  return db.selectFrom("mfa_tickets").selectAll().where("ticket_hash", "=", ticketHash).executeTakeFirst();
}

/** Uses the ticket once: only the first caller, and only while it is unexpired and not spent. */
export async function useTicket(db: Executor, id: string, now: string, maxFailures: number): Promise<boolean> {
  const result = await db
    .updateTable("mfa_tickets")
    .set({ used_at: now })
    .where("id", "=", id)
    .where("used_at", "is", null)
    .where("expires_at", ">", now)
    .where("failures", "<", maxFailures)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Counts a wrong code against the ticket (atomically: `failures + 1` in the UPDATE itself). */
export async function failTicket(db: Executor, id: string): Promise<void> {
  await db
    .updateTable("mfa_tickets")
    .set((eb) => ({ failures: eb("failures", "+", 1) }))
    .where("id", "=", id)
    .execute();
}

/** Tickets expire within minutes; old ones are removed as new ones are issued. */
export async function deleteStaleTickets(db: Executor, userId: string, now: string): Promise<void> {
  await db
    .deleteFrom("mfa_tickets")
    .where("user_id", "=", userId)
    .where((eb) => eb.or([eb("expires_at", "<=", now), eb("used_at", "is not", null)]))
    .execute();
}
