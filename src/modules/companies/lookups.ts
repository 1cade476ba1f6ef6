import type { Role } from "../../platform/access/permissions.ts";
import { namespaceOf } from "../../platform/cache/contract.ts";
import type { CachedMembers } from "./member-list-cache.ts";
import type { CompanyStatus } from "./tables.ts";

/*
 * The per-request authorization lookups, cached (docs/cache.md). Every change deletes the
 * entry after its transaction commits, which reaches every instance's local layer through
 * Redis pub/sub, so no instance keeps answering with an old role or status.
 */

/** `<companyId>` → status, or null for no such company. */
export const companyStatuses = namespaceOf<CompanyStatus | null>({ name: "company-status", version: 1 });

/** `<companyId>:<userId>` → role, or null for not a member. */
export const memberships = namespaceOf<Role | null>({ name: "membership", version: 1 });

/** `<companyId>` → the company's first memberships by user id (member-list-cache.ts). */
export const memberLists = namespaceOf<CachedMembers>({ name: "member-list", version: 1 });

/** `<companyId>` → whether members must have a second factor (mfa-policy.ts). */
export const mfaPolicies = namespaceOf<boolean>({ name: "company-mfa-policy", version: 1 });

export const LOOKUP_TTL_S = 300;

export function membershipKey(companyId: string, userId: string): string {
  return `${companyId}:${userId}`;
}
