import type { PageQuery } from "../../platform/http/pagination.ts";
import type { AuditActor } from "../audit/index.ts";
import * as companies from "../companies/index.ts";
import * as identity from "../identity/index.ts";
import { adminErrors } from "./errors.ts";

// Platform administration's rules. It owns no tables: it acts across tenants through the
// identity and companies modules' own service functions.

/** A page of an admin list, narrowed to what contains `q` (see the list routes). */
export type AdminListQuery = PageQuery & { readonly q?: string };

export interface AdminDeps {
  readonly identity: identity.IdentityDeps;
  readonly companies: companies.CompaniesDeps;
}

export function listUsers(deps: AdminDeps, query: AdminListQuery) {
  return identity.listUsers(deps.identity, query);
}

/** An admin never suspends their own account (nobody would be left to lift it). */
export function setUserSuspended(
  deps: AdminDeps,
  operatorId: string,
  userId: string,
  suspended: boolean,
  who: AuditActor,
) {
  if (suspended && userId === operatorId) throw adminErrors.selfSuspension();
  return identity.setUserSuspended(deps.identity, userId, suspended, who);
}

/** Removes a user's second factors (a lost device); the user is mailed (identity/admin-factors.ts). */
export function resetUserFactors(deps: AdminDeps, userId: string, who: AuditActor) {
  return identity.resetUserFactors(deps.identity, userId, who);
}

/** Lifts the sign-in lockout of the user's address (identity/admin-unlock.ts); idempotent. */
export function unlockUser(deps: AdminDeps, userId: string, who: AuditActor) {
  return identity.unlockUser(deps.identity, userId, who);
}

export function listCompanies(deps: AdminDeps, query: AdminListQuery) {
  return companies.listAllCompanies(deps.companies, query);
}

/** Existence and status are checked on the locked row: a deleted company stays deleted. */
export function setCompanySuspended(deps: AdminDeps, companyId: string, suspended: boolean, who: AuditActor) {
  return companies.setCompanyStatus(deps.companies, companyId, suspended ? "suspended" : "active", who);
}
