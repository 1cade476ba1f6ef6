import type { TenantAccess, UserActor } from "../../platform/access/actor.ts";
import { accessErrors } from "../../platform/access/errors.ts";
import { isUniqueViolation } from "../../platform/db/errors.ts";
import { isUuid, newId } from "../../platform/db/ids.ts";
import { inLockedTransaction } from "../../platform/db/locked-transaction.ts";
import { type Executor, withTransaction } from "../../platform/db/transaction.ts";
import { type Page, type PageQuery, pageRequest, toPage } from "../../platform/http/pagination.ts";
import { type AuditActor, recordCompanyChange } from "../audit/index.ts";
import { companyErrors } from "./errors.ts";
import { lockForChange } from "./locks.ts";
import * as repo from "./repository.ts";
import { type CompaniesDeps, type Company, forgetMembership, forgetStatus, toCompany } from "./service.ts";
import type { CompaniesTable, CompanyStatus } from "./tables.ts";

// ---- companies ---------------------------------------------------------------------------

export async function createCompany(
  deps: CompaniesDeps,
  actor: UserActor,
  input: { name: string; slug: string },
  who: AuditActor,
): Promise<Company> {
  const now = deps.clock.nowIso();
  const row: CompaniesTable = {
    id: newId(),
    name: input.name.trim(),
    slug: input.slug,
    status: "active",
    created_at: now,
    updated_at: now,
    deleted_at: null,
  };
  try {
    await withTransaction(deps.database.db, async (trx) => {
      await repo.insertCompany(trx, row);
      await repo.insertMembership(trx, {
        company_id: row.id,
        user_id: actor.userId,
        role: "owner",
        created_at: now,
        updated_at: now,
      });
      await recordCompanyChange(
        trx,
        deps.clock,
        who,
        { companyId: row.id, action: "company.created", target: { type: "company", id: row.id } },
        {
          name: row.name,
          slug: row.slug,
        },
      );
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw companyErrors.slugTaken();
    throw error;
  }
  await forgetMembership(deps, row.id, actor.userId);
  return toCompany(row, "owner");
}

export async function listMyCompanies(deps: CompaniesDeps, actor: UserActor, query: PageQuery): Promise<Page<Company>> {
  const page = pageRequest(query, isUuid);
  const rows = await repo.pageOfUserCompanies(deps.database.db, actor.userId, page);
  return toPage(
    rows,
    page,
    (row) => row.id,
    (row) => toCompany(row, row.role),
  );
}

export async function getCompany(deps: CompaniesDeps, tenant: TenantAccess): Promise<Company> {
  const row = await repo.findCompany(deps.database.db, tenant.companyId);
  // The access layer found the company a moment ago; a concurrent delete is the only way here.
  if (!row) throw accessErrors.companyNotFound();
  return toCompany(row, tenant.role);
}

export async function updateCompany(
  deps: CompaniesDeps,
  tenant: TenantAccess,
  input: { name?: string; slug?: string },
  who: AuditActor,
): Promise<Company> {
  const patch = {
    ...(input.name !== undefined ? { name: input.name.trim() } : {}),
    ...(input.slug !== undefined ? { slug: input.slug } : {}),
  };
  try {
    await inLockedTransaction(deps.database.db, async (trx) => {
      const { company: before } = await lockForChange(deps, trx, tenant, who, "company:update");
      await repo.updateCompany(trx, tenant.companyId, { ...patch, updated_at: deps.clock.nowIso() });
      const changed = Object.keys(patch) as (keyof typeof patch)[];
      await recordCompanyChange(
        trx,
        deps.clock,
        who,
        { companyId: tenant.companyId, action: "company.updated", target: { type: "company", id: tenant.companyId } },
        {
          before: Object.fromEntries(changed.map((key) => [key, before[key]])),
          after: patch,
        },
      );
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw companyErrors.slugTaken();
    throw error;
  }
  return getCompany(deps, tenant);
}

/**
 * Soft delete: the company disappears for everyone (404), its rows stay for the audit
 * trail and its slug stays reserved so links to it never point at someone else.
 */
export async function deleteCompany(deps: CompaniesDeps, tenant: TenantAccess, who: AuditActor): Promise<void> {
  await inLockedTransaction(deps.database.db, async (trx) => {
    const { company } = await lockForChange(deps, trx, tenant, who, "company:delete");
    await writeStatus(deps, trx, company, "deleted", who);
  });
  await forgetStatus(deps, tenant.companyId);
}

const STATUS_ACTIONS: Record<CompanyStatus, string> = {
  active: "company.unsuspended",
  suspended: "company.suspended",
  deleted: "company.deleted",
};

/**
 * Platform administration: suspend, unsuspend. Deleted is terminal: a deleted company (or
 * one deleted while this waited for its lock) is 404 and stays deleted. Returns the company
 * as changed.
 */
export async function setCompanyStatus(
  deps: CompaniesDeps,
  companyId: string,
  status: Exclude<CompanyStatus, "deleted">,
  who: AuditActor,
): Promise<Company> {
  const company = await inLockedTransaction(deps.database.db, async (trx) => {
    const row = isUuid(companyId) ? await repo.lockCompany(trx, companyId) : undefined;
    if (!row || row.status === "deleted") throw accessErrors.companyNotFound();
    return writeStatus(deps, trx, row, status, who);
  });
  await forgetStatus(deps, companyId);
  return toCompany(company);
}

/** Writes a status change of a locked company and its audit event (`before` from the locked row). */
async function writeStatus(
  deps: CompaniesDeps,
  trx: Executor,
  before: CompaniesTable,
  status: CompanyStatus,
  who: AuditActor,
): Promise<CompaniesTable> {
  const companyId = before.id;
  const now = deps.clock.nowIso();
  const patch = { status, updated_at: now, ...(status === "deleted" ? { deleted_at: now } : {}) };
  if (!(await repo.updateCompanyStatus(trx, companyId, patch))) throw accessErrors.companyNotFound();
  await recordCompanyChange(
    trx,
    deps.clock,
    who,
    { companyId, action: STATUS_ACTIONS[status], target: { type: "company", id: companyId } },
    { before: before.status, after: status },
  );
  return { ...before, ...patch };
}

export async function listAllCompanies(
  deps: CompaniesDeps,
  query: PageQuery & { readonly q?: string },
): Promise<Page<Company>> {
  const page = pageRequest(query, isUuid);
  const rows = await repo.pageOfCompanies(deps.database.db, page, query.q);
  return toPage(
    rows,
    page,
    (row) => row.id,
    (row) => toCompany(row),
  );
}
