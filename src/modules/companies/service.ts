import type { Role } from "../../platform/access/permissions.ts";
import type { Cache } from "../../platform/cache/contract.ts";
import type { Clock } from "../../platform/clock.ts";
import type { DatabaseHandle } from "../../platform/db/connect.ts";
import { isUuid } from "../../platform/db/ids.ts";
import type { Executor } from "../../platform/db/transaction.ts";
import type { Mailer } from "../../platform/mail/mailer.ts";
import type { KeyLiveness } from "./locks.ts";
import { companyStatuses, LOOKUP_TTL_S, memberLists, membershipKey, memberships } from "./lookups.ts";
import * as repo from "./repository.ts";
import type { CompaniesTable, CompanyStatus } from "./tables.ts";

export interface CompaniesDeps {
  readonly database: DatabaseHandle;
  readonly clock: Clock;
  readonly cache: Cache;
  /** Re-checks an acting API key inside a change's transaction (from api-keys, wired in app.ts). */
  readonly keyIsLive?: KeyLiveness;
  /** Mails members about policy changes (app.ts passes the app's mailer; fixtures may omit it). */
  readonly mailer?: Mailer;
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

export function toCompany(row: CompaniesTable, myRole?: Role): Company {
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

/** After a membership's change commits: its role, and the company's cached member list. */
export async function forgetMembership(deps: CompaniesDeps, companyId: string, userId: string): Promise<void> {
  await Promise.all([
    memberships(deps.cache).delete(membershipKey(companyId, userId)),
    memberLists(deps.cache).delete(companyId),
  ]);
}

export async function forgetStatus(deps: CompaniesDeps, companyId: string): Promise<void> {
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

// ---- lookups for other modules ----------------------------------------------------------

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

/**
 * Locks the company a member is about to join (invitation acceptance), so that its status is
 * checked as it is when the membership is inserted, not a moment before.
 */
export async function lockCompanyToJoin(trx: Executor, companyId: string): Promise<Company | undefined> {
  const company = await repo.lockCompany(trx, companyId);
  return company ? toCompany(company) : undefined;
}
