import type { Role } from "../../platform/access/permissions.ts";
import { keysetPage } from "../../platform/db/keyset.ts";
import { forNoKeyUpdate, forUpdate } from "../../platform/db/locked-transaction.ts";
import { searchFilter } from "../../platform/db/text-search.ts";
import type { Executor } from "../../platform/db/transaction.ts";
import type { PageRequest } from "../../platform/http/pagination.ts";
import type { CompaniesTable, CompanyStatus, MembershipsTable } from "./tables.ts";

/**
 * Tenant-scoped reads and writes take the company the access layer resolved for the
 * caller (`companyId` of a TenantAccess) and filter by it here, so a handler cannot
 * forget to: another company's row is simply not found.
 */

export async function insertCompany(db: Executor, company: CompaniesTable): Promise<void> {
  await db.insertInto("companies").values(company).execute();
}

export function findCompany(db: Executor, companyId: string): Promise<CompaniesTable | undefined> {
  return db.selectFrom("companies").selectAll().where("id", "=", companyId).executeTakeFirst();
}

export function findCompanyBySlug(db: Executor, slug: string): Promise<CompaniesTable | undefined> {
  return db.selectFrom("companies").selectAll().where("slug", "=", slug).executeTakeFirst();
}

export function findCompanies(db: Executor, ids: readonly string[]): Promise<CompaniesTable[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db.selectFrom("companies").selectAll().where("id", "in", ids).execute();
}

export async function updateCompany(
  db: Executor,
  companyId: string,
  patch: Partial<Omit<CompaniesTable, "id">>,
): Promise<void> {
  await db.updateTable("companies").set(patch).where("id", "=", companyId).execute();
}

export function companyStatus(db: Executor, companyId: string): Promise<{ status: CompanyStatus } | undefined> {
  return db.selectFrom("companies").select("status").where("id", "=", companyId).executeTakeFirst();
}

/** Every company, for platform administration. */
export function pageOfCompanies(db: Executor, page: PageRequest, search?: string): Promise<CompaniesTable[]> {
  let query = db.selectFrom("companies").selectAll();
  // With `search`: the companies whose name or slug contains it, or whose id it is.
  if (search !== undefined) {
    query = query.where((eb) => searchFilter(eb, search, [eb.ref("name"), eb.ref("slug")], (id) => eb("id", "=", id)));
  }
  return keysetPage(query, "id", page).execute();
}

/** The user's companies that are not deleted, with their role. */
export function pageOfUserCompanies(db: Executor, userId: string, page: PageRequest) {
  const query = db
    .selectFrom("memberships")
    .innerJoin("companies", "companies.id", "memberships.company_id")
    .selectAll("companies")
    .select("memberships.role")
    .where("memberships.user_id", "=", userId)
    .where("companies.status", "!=", "deleted");
  return keysetPage(query, "companies.id", page).execute();
}

export async function insertMembership(db: Executor, membership: MembershipsTable): Promise<void> {
  await db.insertInto("memberships").values(membership).execute();
}

export function findMembership(db: Executor, companyId: string, userId: string): Promise<MembershipsTable | undefined> {
  return db
    .selectFrom("memberships")
    .selectAll()
    .where("company_id", "=", companyId)
    .where("user_id", "=", userId)
    .executeTakeFirst();
}

/** The user's memberships, for partner access (their companies that partner with another). */
export function membershipsOfUser(
  db: Executor,
  userId: string,
): Promise<Pick<MembershipsTable, "company_id" | "role">[]> {
  return db.selectFrom("memberships").select(["company_id", "role"]).where("user_id", "=", userId).execute();
}

export function pageOfMembers(db: Executor, companyId: string, page: PageRequest): Promise<MembershipsTable[]> {
  const query = db.selectFrom("memberships").selectAll().where("company_id", "=", companyId);
  return keysetPage(query, "user_id", page).execute();
}

/** Sets the member's role; returns whether a membership was changed. */
export async function updateMembershipRole(
  db: Executor,
  companyId: string,
  userId: string,
  role: Role,
  now: string,
): Promise<boolean> {
  const result = await db
    .updateTable("memberships")
    .set({ role, updated_at: now })
    .where("company_id", "=", companyId)
    .where("user_id", "=", userId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Removes the membership; returns whether there was one. */
export async function deleteMembership(db: Executor, companyId: string, userId: string): Promise<boolean> {
  const result = await db
    .deleteFrom("memberships")
    .where("company_id", "=", companyId)
    .where("user_id", "=", userId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

// ---- locked reads (docs/architecture.md, "Locking discipline") ----------------------------

/** The company row, locked first in every transition of the company: it serialises them. */
export function lockCompany(db: Executor, companyId: string): Promise<CompaniesTable | undefined> {
  return forNoKeyUpdate(db, db.selectFrom("companies").selectAll().where("id", "=", companyId)).executeTakeFirst();
}

/** The memberships of these users, locked in user-id order (the global order, so no deadlock). */
export async function lockMemberships(
  db: Executor,
  companyId: string,
  userIds: readonly string[],
): Promise<Map<string, MembershipsTable>> {
  if (userIds.length === 0) return new Map();
  const query = db
    .selectFrom("memberships")
    .selectAll()
    .where("company_id", "=", companyId)
    .where("user_id", "in", [...userIds])
    .orderBy("user_id");
  const rows = await forUpdate(db, query).execute();
  return new Map(rows.map((row) => [row.user_id, row]));
}

/** The user's memberships, locked in company-id order (after their companies: the global order). */
export function lockMembershipsOfUser(
  db: Executor,
  userId: string,
): Promise<Pick<MembershipsTable, "company_id" | "role">[]> {
  const query = db
    .selectFrom("memberships")
    .select(["company_id", "role"])
    .where("user_id", "=", userId)
    .orderBy("company_id");
  return forUpdate(db, query).execute();
}

/** Changes the status unless the company is deleted (terminal); returns whether it changed. */
export async function updateCompanyStatus(
  db: Executor,
  companyId: string,
  patch: Pick<CompaniesTable, "status" | "updated_at"> & Partial<Pick<CompaniesTable, "deleted_at">>,
): Promise<boolean> {
  const result = await db
    .updateTable("companies")
    .set(patch)
    .where("id", "=", companyId)
    .where("status", "!=", "deleted")
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * The owners of a company, read with a row lock on PostgreSQL so two concurrent demotions
 * cannot both see "another owner remains" and leave the company with none.
 */
export async function lockOwners(db: Executor, companyId: string): Promise<string[]> {
  const query = db
    .selectFrom("memberships")
    .select("user_id")
    .where("company_id", "=", companyId)
    .where("role", "=", "owner")
    .orderBy("user_id");
  return (await forUpdate(db, query).execute()).map((row) => row.user_id);
}
