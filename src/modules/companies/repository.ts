import type { Role } from "../../platform/access/permissions.ts";
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
export function pageOfCompanies(db: Executor, page: PageRequest): Promise<CompaniesTable[]> {
  let query = db
    .selectFrom("companies")
    .selectAll()
    .orderBy("id")
    .limit(page.limit + 1);
  if (page.after !== undefined) query = query.where("id", ">", page.after);
  return query.execute();
}

/** The user's companies that are not deleted, with their role. */
export function pageOfUserCompanies(db: Executor, userId: string, page: PageRequest) {
  let query = db
    .selectFrom("memberships")
    .innerJoin("companies", "companies.id", "memberships.company_id")
    .selectAll("companies")
    .select("memberships.role")
    .where("memberships.user_id", "=", userId)
    .where("companies.status", "!=", "deleted")
    .orderBy("companies.id")
    .limit(page.limit + 1);
  if (page.after !== undefined) query = query.where("companies.id", ">", page.after);
  return query.execute();
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
  let query = db
    .selectFrom("memberships")
    .selectAll()
    .where("company_id", "=", companyId)
    .orderBy("user_id")
    .limit(page.limit + 1);
  if (page.after !== undefined) query = query.where("user_id", ">", page.after);
  return query.execute();
}

export async function updateMembershipRole(
  db: Executor,
  companyId: string,
  userId: string,
  role: Role,
  now: string,
): Promise<void> {
  await db
    .updateTable("memberships")
    .set({ role, updated_at: now })
    .where("company_id", "=", companyId)
    .where("user_id", "=", userId)
    .execute();
}

export async function deleteMembership(db: Executor, companyId: string, userId: string): Promise<void> {
  await db.deleteFrom("memberships").where("company_id", "=", companyId).where("user_id", "=", userId).execute();
}

/**
 * The owners of a company, read with a row lock on PostgreSQL so two concurrent demotions
 * cannot both see "another owner remains" and leave the company with none.
 */
export async function lockOwners(db: Executor, companyId: string, engine: "sqlite" | "postgres"): Promise<string[]> {
  let query = db
    .selectFrom("memberships")
    .select("user_id")
    .where("company_id", "=", companyId)
    .where("role", "=", "owner");
  if (engine === "postgres") query = query.forUpdate();
  return (await query.execute()).map((row) => row.user_id);
}
