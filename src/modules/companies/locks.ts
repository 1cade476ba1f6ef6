import type { TenantAccess } from "../../platform/access/actor.ts";
import { accessErrors } from "../../platform/access/errors.ts";
import { type Permission, permissionsOf } from "../../platform/access/permissions.ts";
import { authErrors } from "../../platform/auth/errors.ts";
import type { Executor } from "../../platform/db/transaction.ts";
import type { AuditActor } from "../audit/index.ts";
import * as repo from "./repository.ts";
import type { CompaniesTable, MembershipsTable } from "./tables.ts";

/**
 * Whether an API key is still live, read (and locked) inside the caller's transaction.
 * The api-keys module provides it (wired in app.ts): companies does not read keys itself.
 */
export type KeyLiveness = (trx: Executor, keyId: string) => Promise<boolean>;

export interface LockedTenant {
  readonly company: CompaniesTable;
  /** The locked memberships of the acting user and of the `others` asked for, by user id. */
  readonly members: ReadonlyMap<string, MembershipsTable>;
  /** The caller's access as the locked rows say it is now (role and permissions re-read). */
  readonly access: TenantAccess;
}

/**
 * The first step of every change to a company's state, inside its transaction: locks the
 * company row (serialising the company's transitions), then the memberships of the actor
 * and of `others` in user-id order, and re-checks against those locked rows what the access
 * layer decided from cached values before the transaction — the company still exists and
 * is active, the acting member is still a member whose current role grants `permission`,
 * the acting key is not revoked. A caller removed a moment ago gets the answer they would
 * get on their next request (404), a demoted one 403.
 */
export async function lockForChange(
  deps: { readonly keyIsLive?: KeyLiveness },
  trx: Executor,
  tenant: TenantAccess,
  who: AuditActor,
  permission: Permission,
  others: readonly string[] = [],
): Promise<LockedTenant> {
  const company = await repo.lockCompany(trx, tenant.companyId);
  if (!company || company.status === "deleted") throw accessErrors.companyNotFound();
  if (company.status === "suspended") throw accessErrors.companySuspended();
  const actorId = tenant.via === "membership" && who.actorType === "user" ? who.actorId : null;
  const ids = [...new Set([...(actorId ? [actorId] : []), ...others])].sort();
  const members = await repo.lockMemberships(trx, tenant.companyId, ids);
  if (tenant.via === "membership") {
    const role = actorId ? members.get(actorId)?.role : undefined;
    if (role === undefined) throw accessErrors.companyNotFound();
    const permissions = permissionsOf(role);
    if (!permissions.has(permission)) {
      throw accessErrors.denied(permission);
    }
    return { company, members, access: { ...tenant, role, permissions } };
  }
  if (tenant.via === "api_key" && deps.keyIsLive && who.actorId && !(await deps.keyIsLive(trx, who.actorId))) {
    throw authErrors.invalidApiKey();
  }
  return { company, members, access: tenant };
}
