import type { Executor } from "../../platform/db/transaction.ts";
import type { SocialIdentitiesTable, SocialLoginFlowsTable } from "./tables.ts";

// ---- login flows ---------------------------------------------------------------------------

export async function insertFlow(db: Executor, row: SocialLoginFlowsTable): Promise<void> {
  await db.insertInto("social_login_flows").values(row).execute();
}

/** Deletes and returns the flow: a state works once, whatever happens next. */
export function consumeFlow(db: Executor, stateHash: string) {
  return db.deleteFrom("social_login_flows").where("state_hash", "=", stateHash).returningAll().executeTakeFirst();
}

export async function deleteExpiredFlows(db: Executor, now: string): Promise<void> {
  await db.deleteFrom("social_login_flows").where("expires_at", "<=", now).execute();
}

// ---- linked identities ---------------------------------------------------------------------

export function findIdentity(db: Executor, provider: string, subject: string) {
  return db
    .selectFrom("social_identities")
    .selectAll()
    .where("provider", "=", provider)
    .where("subject", "=", subject)
    .executeTakeFirst();
}

export function identitiesOf(db: Executor, userId: string): Promise<SocialIdentitiesTable[]> {
  return db.selectFrom("social_identities").selectAll().where("user_id", "=", userId).orderBy("id").execute();
}

export async function insertIdentity(db: Executor, row: SocialIdentitiesTable): Promise<void> {
  await db.insertInto("social_identities").values(row).execute();
}

export async function touchIdentity(db: Executor, id: string, now: string, email: string | null): Promise<void> {
  await db.updateTable("social_identities").set({ last_used_at: now, email }).where("id", "=", id).execute();
}

export async function deleteIdentity(db: Executor, id: string): Promise<void> {
  await db.deleteFrom("social_identities").where("id", "=", id).execute();
}
