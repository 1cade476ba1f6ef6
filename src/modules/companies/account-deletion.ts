import type { Executor } from "../../platform/db/transaction.ts";
import { type AuditActor, recordCompanyChange } from "../audit/index.ts";
import { companyErrors } from "./errors.ts";
import { membershipKey, memberships } from "./lookups.ts";
import * as repo from "./repository.ts";
import type { CompaniesDeps } from "./service.ts";

/*
 * Issue #20, finding 3: every company that is not deleted keeps at least one owner whose
 * account is not deleted, and a deleted account is a member of nothing. Identity runs this
 * inside the transaction that deletes an account (it knows no companies; app.ts wires it).
 */

/**
 * Refuses (409 account.sole_owner, naming the companies) when the user is the only owner
 * of a company that is not deleted; otherwise removes every membership of the user, each
 * recorded in its company's trail. Returns what to do after the transaction commits.
 */
export async function leaveEverythingForDeletion(
  deps: CompaniesDeps,
  trx: Executor,
  userId: string,
  who: AuditActor,
): Promise<() => Promise<void>> {
  // Sorted, so two deletions lock the companies' owner rows and audit streams in one order.
  const rows = (await repo.membershipsOfUser(trx, userId)).sort((a, b) => a.company_id.localeCompare(b.company_id));
  const owned = rows.filter((row) => row.role === "owner").map((row) => row.company_id);
  const companies = new Map((await repo.findCompanies(trx, owned)).map((row) => [row.id, row]));
  const alone = [];
  for (const companyId of owned) {
    const company = companies.get(companyId);
    if (!company || company.status === "deleted") continue;
    // Company first, then its owner rows: the locking discipline's order (docs/architecture.md).
    await repo.lockCompany(trx, companyId);
    const owners = await repo.lockOwners(trx, companyId);
    if (owners.every((id) => id === userId)) alone.push({ id: company.id, name: company.name, slug: company.slug });
  }
  if (alone.length > 0) throw companyErrors.soleOwner(alone);
  for (const row of rows) {
    await repo.deleteMembership(trx, row.company_id, userId);
    await recordCompanyChange(
      trx,
      deps.clock,
      who,
      { companyId: row.company_id, action: "member.removed", target: { type: "user", id: userId } },
      { before: row.role, reason: "account_deleted" },
    );
  }
  return async () => {
    const cache = memberships(deps.cache);
    for (const row of rows) await cache.delete(membershipKey(row.company_id, userId));
  };
}
