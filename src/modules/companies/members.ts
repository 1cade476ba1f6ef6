import type { TenantAccess, UserActor } from "../../platform/access/actor.ts";
import { accessErrors } from "../../platform/access/errors.ts";
import { isStronger, type Role } from "../../platform/access/permissions.ts";
import { isUuid } from "../../platform/db/ids.ts";
import { inLockedTransaction } from "../../platform/db/locked-transaction.ts";
import type { Executor } from "../../platform/db/transaction.ts";
import { type Page, type PageQuery, pageRequest, toPage } from "../../platform/http/pagination.ts";
import { type AuditActor, recordCompanyChange } from "../audit/index.ts";
import { companyErrors } from "./errors.ts";
import { lockForChange } from "./locks.ts";
import { pageOfMembers } from "./member-list-cache.ts";
import * as repo from "./repository.ts";
import { type CompaniesDeps, forgetMembership, type Member, type UserProfiles } from "./service.ts";
import type { MembershipsTable } from "./tables.ts";

// ---- members -----------------------------------------------------------------------------

export async function listMembers(
  deps: CompaniesDeps,
  profiles: UserProfiles,
  tenant: TenantAccess,
  query: PageQuery,
): Promise<Page<Member>> {
  const page = pageRequest(query, isUuid);
  const rows = await pageOfMembers(deps, tenant.companyId, page);
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
    if (!(await repo.updateMembershipRole(trx, tenant.companyId, userId, role, deps.clock.nowIso())))
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
    if (!(await repo.deleteMembership(trx, tenant.companyId, actor.userId))) throw accessErrors.companyNotFound();
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
    const now = deps.clock.nowIso();
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

/** Adds a member inside the caller's transaction (invitation acceptance); forget the cache after commit. */
export async function addMember(
  deps: CompaniesDeps,
  trx: Executor,
  companyId: string,
  userId: string,
  role: Role,
): Promise<void> {
  if (await repo.findMembership(trx, companyId, userId)) throw companyErrors.alreadyMember();
  const now = deps.clock.nowIso();
  await repo.insertMembership(trx, { company_id: companyId, user_id: userId, role, created_at: now, updated_at: now });
}

/**
 * Single sign-on (the sso module), inside its transaction after `lockCompanyToJoin`: the
 * member's role as the identity provider's groups map it. A newcomer joins with `role`; a
 * member's role follows the mapping at every sign-in, except an owner's: ownership is
 * managed in Rampart only (mappings never grant it, and never take it away). The event is the
 * member's own (`who`). Forget the membership's cache after commit.
 */
export async function syncSsoMembership(
  deps: CompaniesDeps,
  trx: Executor,
  companyId: string,
  userId: string,
  role: Exclude<Role, "owner">,
  who: AuditActor,
  metadata: Readonly<Record<string, unknown>>,
): Promise<{ before: Role | null; after: Role }> {
  const current = (await repo.lockMemberships(trx, companyId, [userId])).get(userId);
  const now = deps.clock.nowIso();
  const target = { type: "user", id: userId };
  if (!current) {
    await repo.insertMembership(trx, {
      company_id: companyId,
      user_id: userId,
      role,
      created_at: now,
      updated_at: now,
    });
    await recordCompanyChange(
      trx,
      deps.clock,
      who,
      { companyId, action: "member.joined", target },
      {
        ...metadata,
        after: role,
      },
    );
    return { before: null, after: role };
  }
  if (current.role === "owner" || current.role === role) return { before: current.role, after: current.role };
  await repo.updateMembershipRole(trx, companyId, userId, role, now);
  await recordCompanyChange(
    trx,
    deps.clock,
    who,
    { companyId, action: "member.role_changed", target },
    {
      ...metadata,
      before: current.role,
      after: role,
    },
  );
  return { before: current.role, after: role };
}
