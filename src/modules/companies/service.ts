import { companyNotFound } from "../../platform/access/access.ts";
import type { TenantAccess, UserActor } from "../../platform/access/actor.ts";
import { isStronger, type Role } from "../../platform/access/permissions.ts";
import type { Cache } from "../../platform/cache/cache.ts";
import type { Clock } from "../../platform/clock.ts";
import type { DatabaseHandle } from "../../platform/db/connect.ts";
import { isUniqueViolation } from "../../platform/db/errors.ts";
import { isUuid, newId } from "../../platform/db/ids.ts";
import { inLockedTransaction } from "../../platform/db/locked-transaction.ts";
import { type Executor, withTransaction } from "../../platform/db/transaction.ts";
import { type Page, type PageQuery, pageRequest, toPage } from "../../platform/http/pagination.ts";
import { type AuditActor, recordCompanyChange } from "../audit/index.ts";
import { companyErrors } from "./errors.ts";
import { type KeyLiveness, lockForChange } from "./locks.ts";
import { companyStatuses, LOOKUP_TTL_S, membershipKey, memberships } from "./lookups.ts";
import * as repo from "./repository.ts";
import type { CompaniesTable, CompanyStatus, MembershipsTable } from "./tables.ts";

export interface CompaniesDeps {
  readonly database: DatabaseHandle;
  readonly clock: Clock;
  readonly cache: Cache;
  /** Re-checks an acting API key inside a change's transaction (from api-keys, wired in app.ts). */
  readonly keyIsLive?: KeyLiveness;
}

/** Who a company's members are, as identity knows them (passed in: companies never reads users). */
export type UserProfiles = (ids: readonly string[]) => Promise<Map<string, { email: string; name: string }>>;

export interface Company {
  id: string;
  name: string;
  slug: string;
  status: CompanyStatus;
  createdAt: string;
  updatedAt: string;
  /** The caller's role, when the caller is a member. */
  myRole?: Role;
}

export interface Member {
  userId: string;
  email: string;
  name: string;
  role: Role;
  joinedAt: string;
}

function toCompany(row: CompaniesTable, myRole?: Role): Company {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...(myRole ? { myRole } : {}),
  };
}

function nowIso(deps: CompaniesDeps): string {
  return deps.clock.now().toISOString();
}

async function forgetMembership(deps: CompaniesDeps, companyId: string, userId: string): Promise<void> {
  await memberships(deps.cache).delete(membershipKey(companyId, userId));
}

async function forgetStatus(deps: CompaniesDeps, companyId: string): Promise<void> {
  await companyStatuses(deps.cache).delete(companyId);
}

// ---- lookups for the access layer -------------------------------------------------------

/** The company's status, or null when there is none (cached). */
export function statusOf(deps: CompaniesDeps, companyId: string): Promise<CompanyStatus | null> {
  return companyStatuses(deps.cache).getOrLoad(companyId, LOOKUP_TTL_S, async () => {
    const row = await repo.companyStatus(deps.database.db, companyId);
    return row?.status ?? null;
  });
}

/** The user's role in the company, or null (cached). */
export function roleOf(deps: CompaniesDeps, companyId: string, userId: string): Promise<Role | null> {
  return memberships(deps.cache).getOrLoad(membershipKey(companyId, userId), LOOKUP_TTL_S, async () => {
    const row = await repo.findMembership(deps.database.db, companyId, userId);
    return row?.role ?? null;
  });
}

/** Every company the user belongs to, with the role (uncached: partner access only). */
export function membershipsOf(deps: CompaniesDeps, userId: string) {
  return repo.membershipsOfUser(deps.database.db, userId);
}

// ---- companies ---------------------------------------------------------------------------

export async function createCompany(
  deps: CompaniesDeps,
  actor: UserActor,
  input: { name: string; slug: string },
  who: AuditActor,
): Promise<Company> {
  const now = nowIso(deps);
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
  if (!row) throw companyNotFound();
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
      await repo.updateCompany(trx, tenant.companyId, { ...patch, updated_at: nowIso(deps) });
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
    if (!row || row.status === "deleted") throw companyNotFound();
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
  const now = nowIso(deps);
  const patch = { status, updated_at: now, ...(status === "deleted" ? { deleted_at: now } : {}) };
  if (!(await repo.updateCompanyStatus(trx, companyId, patch))) throw companyNotFound();
  await recordCompanyChange(
    trx,
    deps.clock,
    who,
    { companyId, action: STATUS_ACTIONS[status], target: { type: "company", id: companyId } },
    { before: before.status, after: status },
  );
  return { ...before, ...patch };
}

export async function findCompanyById(deps: CompaniesDeps, companyId: string): Promise<Company | undefined> {
  if (!isUuid(companyId)) return undefined;
  const row = await repo.findCompany(deps.database.db, companyId);
  return row && row.status !== "deleted" ? toCompany(row) : undefined;
}

export async function findCompanyBySlug(deps: CompaniesDeps, slug: string): Promise<Company | undefined> {
  const row = await repo.findCompanyBySlug(deps.database.db, slug);
  return row && row.status !== "deleted" ? toCompany(row) : undefined;
}

export async function companiesById(deps: CompaniesDeps, ids: readonly string[]): Promise<Map<string, Company>> {
  const rows = await repo.findCompanies(deps.database.db, [...new Set(ids)]);
  return new Map(rows.map((row) => [row.id, toCompany(row)]));
}

export async function listAllCompanies(deps: CompaniesDeps, query: PageQuery): Promise<Page<Company>> {
  const page = pageRequest(query, isUuid);
  const rows = await repo.pageOfCompanies(deps.database.db, page);
  return toPage(
    rows,
    page,
    (row) => row.id,
    (row) => toCompany(row),
  );
}

// ---- members -----------------------------------------------------------------------------

export async function listMembers(
  deps: CompaniesDeps,
  profiles: UserProfiles,
  tenant: TenantAccess,
  query: PageQuery,
): Promise<Page<Member>> {
  const page = pageRequest(query, isUuid);
  const rows = await repo.pageOfMembers(deps.database.db, tenant.companyId, page);
  const users = await profiles(rows.map((row) => row.user_id));
  return toPage(
    rows,
    page,
    (row) => row.user_id,
    (row) => ({
      userId: row.user_id,
      email: users.get(row.user_id)?.email ?? "",
      name: users.get(row.user_id)?.name ?? "",
      role: row.role,
      joinedAt: row.created_at,
    }),
  );
}

/** The locked membership of `userId`, or 404 member.not_found (a malformed id too). */
function existingMember(members: ReadonlyMap<string, MembershipsTable>, userId: string): MembershipsTable {
  const member = members.get(userId);
  if (!member) throw companyErrors.memberNotFound();
  return member;
}

/** A target id to lock: a malformed one names no member (and is never sent to the database). */
function targetIds(userId: string): string[] {
  return isUuid(userId) ? [userId] : [];
}

/**
 * The rank rules every member change follows: nobody grants a role stronger than their
 * own or touches a member who outranks them. `own` is the actor's role read from the
 * locked membership. API keys never hold member-changing scopes.
 */
function assertMayActOn(own: Role | undefined, targetRole: Role, newRole?: Role): void {
  if (own === undefined) throw companyErrors.memberTooStrong();
  if (isStronger(targetRole, own)) throw companyErrors.memberTooStrong();
  if (newRole !== undefined && isStronger(newRole, own)) throw companyErrors.roleTooStrong(newRole);
}

/** Refuses a change that would leave no owner; call inside the change's transaction. */
async function assertOwnerRemains(trx: Executor, companyId: string, leaving: string) {
  const owners = await repo.lockOwners(trx, companyId);
  if (owners.every((id) => id === leaving)) throw companyErrors.lastOwner();
}

export async function changeMemberRole(
  deps: CompaniesDeps,
  tenant: TenantAccess,
  userId: string,
  role: Role,
  who: AuditActor,
): Promise<{ before: Role; after: Role }> {
  const before = await inLockedTransaction(deps.database.db, async (trx) => {
    const locked = await lockForChange(deps, trx, tenant, who, "members:update", targetIds(userId));
    const member = existingMember(locked.members, userId);
    assertMayActOn(locked.access.role, member.role, role);
    if (member.role === "owner" && role !== "owner") await assertOwnerRemains(trx, tenant.companyId, userId);
    if (!(await repo.updateMembershipRole(trx, tenant.companyId, userId, role, nowIso(deps))))
      throw companyErrors.memberNotFound();
    await recordCompanyChange(
      trx,
      deps.clock,
      who,
      { companyId: tenant.companyId, action: "member.role_changed", target: { type: "user", id: userId } },
      {
        before: member.role,
        after: role,
      },
    );
    return member.role;
  });
  await forgetMembership(deps, tenant.companyId, userId);
  return { before, after: role };
}

export async function removeMember(
  deps: CompaniesDeps,
  tenant: TenantAccess,
  userId: string,
  who: AuditActor,
): Promise<Role> {
  const role = await inLockedTransaction(deps.database.db, async (trx) => {
    const locked = await lockForChange(deps, trx, tenant, who, "members:remove", targetIds(userId));
    const member = existingMember(locked.members, userId);
    assertMayActOn(locked.access.role, member.role);
    if (member.role === "owner") await assertOwnerRemains(trx, tenant.companyId, userId);
    if (!(await repo.deleteMembership(trx, tenant.companyId, userId))) throw companyErrors.memberNotFound();
    await recordCompanyChange(
      trx,
      deps.clock,
      who,
      { companyId: tenant.companyId, action: "member.removed", target: { type: "user", id: userId } },
      {
        before: member.role,
      },
    );
    return member.role;
  });
  await forgetMembership(deps, tenant.companyId, userId);
  return role;
}

export async function leaveCompany(
  deps: CompaniesDeps,
  tenant: TenantAccess,
  actor: UserActor,
  who: AuditActor,
): Promise<void> {
  await inLockedTransaction(deps.database.db, async (trx) => {
    // The role the member holds now, not the one cached when the request arrived.
    const { access } = await lockForChange(deps, trx, tenant, who, "membership:leave");
    if (access.role === "owner") await assertOwnerRemains(trx, tenant.companyId, actor.userId);
    if (!(await repo.deleteMembership(trx, tenant.companyId, actor.userId))) throw companyNotFound();
    await recordCompanyChange(
      trx,
      deps.clock,
      who,
      { companyId: tenant.companyId, action: "member.left", target: { type: "user", id: actor.userId } },
      {
        before: access.role ?? null,
      },
    );
  });
  await forgetMembership(deps, tenant.companyId, actor.userId);
}

/**
 * The new owner must already be a member; the previous owner stays on as admin. Both
 * memberships are locked, the actor's ownership re-read: of two transfers by one owner
 * only the first finds them still owner.
 */
export async function transferOwnership(
  deps: CompaniesDeps,
  tenant: TenantAccess,
  actor: UserActor,
  userId: string,
  who: AuditActor,
): Promise<void> {
  if (userId === actor.userId) throw companyErrors.transferToSelf();
  await inLockedTransaction(deps.database.db, async (trx) => {
    const locked = await lockForChange(deps, trx, tenant, who, "company:transfer", targetIds(userId));
    const member = existingMember(locked.members, userId);
    const now = nowIso(deps);
    const promoted = await repo.updateMembershipRole(trx, tenant.companyId, userId, "owner", now);
    const stepped = await repo.updateMembershipRole(trx, tenant.companyId, actor.userId, "admin", now);
    // Both rows are locked, so neither can be missing; a miss means the rule broke: undo all.
    if (!promoted || !stepped) throw companyErrors.memberNotFound();
    await recordCompanyChange(
      trx,
      deps.clock,
      who,
      { companyId: tenant.companyId, action: "company.ownership_transferred", target: { type: "user", id: userId } },
      {
        from: actor.userId,
        before: member.role,
      },
    );
  });
  await forgetMembership(deps, tenant.companyId, userId);
  await forgetMembership(deps, tenant.companyId, actor.userId);
}

/**
 * Locks the company a member is about to join (invitation acceptance), so that its status is
 * checked as it is when the membership is inserted, not a moment before.
 */
export async function lockCompanyToJoin(trx: Executor, companyId: string): Promise<Company | undefined> {
  const company = await repo.lockCompany(trx, companyId);
  return company ? toCompany(company) : undefined;
}

/** Adds a member inside the caller's transaction (invitation acceptance); forget the cache after commit. */
export async function addMember(
  deps: CompaniesDeps,
  trx: Executor,
  companyId: string,
  userId: string,
  role: Role,
): Promise<void> {
  if (await repo.findMembership(trx, companyId, userId)) throw companyErrors.alreadyMember();
  const now = nowIso(deps);
  await repo.insertMembership(trx, { company_id: companyId, user_id: userId, role, created_at: now, updated_at: now });
}

export { forgetMembership };
