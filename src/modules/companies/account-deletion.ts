import type { Executor } from "../../platform/db/transaction.ts";
import type { AuditActor } from "../audit/index.ts";
import { companyErrors } from "./errors.ts";
import * as repo from "./repository.ts";
import type { CompaniesDeps } from "./service.ts";

/*
 * Issue #20, finding 3: every company that is not deleted keeps at least one owner whose
 * account is not deleted, and a deleted account is a member of nothing. Identity runs this
 * inside the transaction that deletes an account (it knows no companies; app.ts wires it).
 *
 * Issue #28, the locking discipline (docs/architecture.md): this hook runs FIRST in the
 * deletion and only locks and decides — the companies the account belongs to (id order),
 * then its memberships, then each owned company's owner rows. The memberships are deleted,
 * and each company's `member.removed` recorded, by the memberships' erasure
 * (personal-data.ts), which identity runs after the user row, the sessions and the
 * platform's `user.deleted` event: audit chain heads come last, the platform stream before
 * the companies' in id order.
 */

/**
 * Refuses (409 account.sole_owner, naming the companies) when the user is the only owner
 * of a company that is not deleted; otherwise leaves the user's memberships locked for the
 * erasure to delete. Returns what to do after the transaction commits (nothing: the
 * erasure evicts the cache).
 */
export async function leaveEverythingForDeletion(
  _deps: CompaniesDeps,
  trx: Executor,
  userId: string,
  _who: AuditActor,
): Promise<() => Promise<void>> {
  const listed = await repo.membershipsOfUser(trx, userId);
  // Company first, in id order, then the memberships under those locks: a removal, role
  // change or transfer of this user that committed meanwhile is what the deletion sees.
  for (const companyId of [...new Set(listed.map((row) => row.company_id))].sort()) {
    await repo.lockCompany(trx, companyId);
  }
  const rows = await repo.lockMembershipsOfUser(trx, userId);
  const owned = rows.filter((row) => row.role === "owner").map((row) => row.company_id);
  const companies = new Map((await repo.findCompanies(trx, owned)).map((row) => [row.id, row]));
  const alone = [];
  for (const companyId of owned) {
    const company = companies.get(companyId);
    if (!company || company.status === "deleted") continue;
    const owners = await repo.lockOwners(trx, companyId);
    if (owners.every((id) => id === userId)) alone.push({ id: company.id, name: company.name, slug: company.slug });
  }
  if (alone.length > 0) throw companyErrors.soleOwner(alone);
  return async () => undefined;
}
