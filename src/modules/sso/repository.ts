import { keysetPage } from "../../platform/db/keyset.ts";
import { forUpdate } from "../../platform/db/locked-transaction.ts";
import type { Executor } from "../../platform/db/transaction.ts";
import type { PageRequest } from "../../platform/http/pagination.ts";
import type { SsoConnectionsTable, SsoDomainsTable, SsoLoginFlowsTable } from "./tables.ts";

// ---- connections ---------------------------------------------------------------------------

export async function insertConnection(db: Executor, row: SsoConnectionsTable): Promise<void> {
  await db.insertInto("sso_connections").values(row).execute();
}

export function pageOfConnections(db: Executor, companyId: string, page: PageRequest) {
  const query = db.selectFrom("sso_connections").selectAll().where("company_id", "=", companyId);
  return keysetPage(query, "id", page).execute();
}

export function findConnection(db: Executor, companyId: string, id: string) {
  return db
    .selectFrom("sso_connections")
    .selectAll()
    .where("company_id", "=", companyId)
    .where("id", "=", id)
    .executeTakeFirst();
}

export function findConnectionById(db: Executor, id: string) {
  return db.selectFrom("sso_connections").selectAll().where("id", "=", id).executeTakeFirst();
}

/** The company's enabled connections, oldest first: home-realm discovery uses the first. */
export function enabledConnectionsOf(db: Executor, companyId: string) {
  return db
    .selectFrom("sso_connections")
    .selectAll()
    .where("company_id", "=", companyId)
    .where("status", "=", "enabled")
    .orderBy("created_at")
    .orderBy("id")
    .execute();
}

export function updateConnection(db: Executor, companyId: string, id: string, changes: Partial<SsoConnectionsTable>) {
  return db
    .updateTable("sso_connections")
    .set(changes)
    .where("company_id", "=", companyId)
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteConnection(db: Executor, companyId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom("sso_connections")
    .where("company_id", "=", companyId)
    .where("id", "=", id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

// ---- domains -------------------------------------------------------------------------------

export async function insertDomain(db: Executor, row: SsoDomainsTable): Promise<void> {
  await db.insertInto("sso_domains").values(row).execute();
}

export function domainsOf(db: Executor, companyId: string) {
  return db.selectFrom("sso_domains").selectAll().where("company_id", "=", companyId).orderBy("domain").execute();
}

export function findDomain(db: Executor, companyId: string, id: string) {
  return db
    .selectFrom("sso_domains")
    .selectAll()
    .where("company_id", "=", companyId)
    .where("id", "=", id)
    .executeTakeFirst();
}

export function lockDomain(db: Executor, companyId: string, id: string) {
  return forUpdate(
    db,
    db.selectFrom("sso_domains").selectAll().where("company_id", "=", companyId).where("id", "=", id),
  ).executeTakeFirst();
}

/** The company that verified `domain`, if any (at most one: a unique index). */
export function verifiedDomain(db: Executor, domain: string) {
  return db
    .selectFrom("sso_domains")
    .selectAll()
    .where("domain", "=", domain)
    .where("status", "=", "verified")
    .executeTakeFirst();
}

export function verifiedDomainsPage(db: Executor, after: string | undefined, limit: number) {
  let query = db.selectFrom("sso_domains").selectAll().where("status", "=", "verified");
  if (after !== undefined) query = query.where("id", ">", after);
  return query.orderBy("id").limit(limit).execute();
}

export function updateDomain(db: Executor, id: string, changes: Partial<SsoDomainsTable>) {
  return db.updateTable("sso_domains").set(changes).where("id", "=", id).returningAll().executeTakeFirst();
}

export async function deleteDomain(db: Executor, companyId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom("sso_domains")
    .where("company_id", "=", companyId)
    .where("id", "=", id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

// ---- break-glass members -------------------------------------------------------------------

export function breakGlassUsers(db: Executor, companyId: string) {
  return db
    .selectFrom("sso_break_glass_users")
    .selectAll()
    .where("company_id", "=", companyId)
    .orderBy("user_id")
    .execute();
}

export async function isBreakGlass(db: Executor, companyId: string, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom("sso_break_glass_users")
    .select("user_id")
    .where("company_id", "=", companyId)
    .where("user_id", "=", userId)
    .executeTakeFirst();
  return row !== undefined;
}

export async function replaceBreakGlass(db: Executor, companyId: string, userIds: readonly string[], now: string) {
  await db.deleteFrom("sso_break_glass_users").where("company_id", "=", companyId).execute();
  if (userIds.length === 0) return;
  await db
    .insertInto("sso_break_glass_users")
    .values(userIds.map((userId) => ({ company_id: companyId, user_id: userId, created_at: now })))
    .execute();
}

// ---- login flows ---------------------------------------------------------------------------

export async function insertFlow(db: Executor, row: SsoLoginFlowsTable): Promise<void> {
  await db.insertInto("sso_login_flows").values(row).execute();
}

/** Single use: the DELETE that finds the row is the only one that gets it, on any instance. */
export function consumeFlow(db: Executor, stateHash: string) {
  return db.deleteFrom("sso_login_flows").where("state_hash", "=", stateHash).returningAll().executeTakeFirst();
}

export async function deleteExpiredFlows(db: Executor, now: string): Promise<void> {
  await db.deleteFrom("sso_login_flows").where("expires_at", "<=", now).execute();
}
