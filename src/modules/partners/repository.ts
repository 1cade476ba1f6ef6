import { keysetPage } from "../../platform/db/keyset.ts";
import { forUpdate } from "../../platform/db/locked-transaction.ts";
import type { Executor } from "../../platform/db/transaction.ts";
import type { PageRequest } from "../../platform/http/pagination.ts";
import type { PartnershipStatus, PartnershipsTable } from "./tables.ts";

// Every query names the tenant company and matches only partnerships it is a side of
// (requester or partner): another pair's partnership is simply not found.

export function pairKey(a: string, b: string): string {
  return a < b ? `${a}:${b}` : `${b}:${a}`;
}

export async function insertPartnership(db: Executor, row: PartnershipsTable): Promise<void> {
  await db.insertInto("partnerships").values(row).execute();
}

export function findLiveBetween(db: Executor, companyId: string, otherId: string) {
  return db
    .selectFrom("partnerships")
    .select("id")
    .where("pair_key", "=", pairKey(companyId, otherId))
    .where("status", "in", ["pending", "active"])
    .executeTakeFirst();
}

export function findPartnership(db: Executor, companyId: string, id: string): Promise<PartnershipsTable | undefined> {
  return db
    .selectFrom("partnerships")
    .selectAll()
    .where("id", "=", id)
    .where((eb) => eb.or([eb("requester_company_id", "=", companyId), eb("partner_company_id", "=", companyId)]))
    .executeTakeFirst();
}

/**
 * The partnership, locked (after its companies: docs/architecture.md, "Locking
 * discipline"), so its status is decided on the row as it is when it changes.
 */
export function lockPartnership(db: Executor, companyId: string, id: string): Promise<PartnershipsTable | undefined> {
  const query = db
    .selectFrom("partnerships")
    .selectAll()
    .where("id", "=", id)
    .where((eb) => eb.or([eb("requester_company_id", "=", companyId), eb("partner_company_id", "=", companyId)]));
  return forUpdate(db, query).executeTakeFirst();
}

/** Moves the partnership from one of `from` to `to`; false when a concurrent change got there first. */
export async function changeStatus(
  db: Executor,
  companyId: string,
  id: string,
  change: { from: readonly PartnershipStatus[]; to: PartnershipStatus; by: string | null; now: string },
): Promise<boolean> {
  const result = await db
    .updateTable("partnerships")
    .set({ status: change.to, decided_by: change.by, updated_at: change.now })
    .where("id", "=", id)
    .where((eb) => eb.or([eb("requester_company_id", "=", companyId), eb("partner_company_id", "=", companyId)]))
    .where("status", "in", [...change.from])
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export function pageOfPartnerships(db: Executor, companyId: string, page: PageRequest): Promise<PartnershipsTable[]> {
  const query = db
    .selectFrom("partnerships")
    .selectAll()
    .where((eb) => eb.or([eb("requester_company_id", "=", companyId), eb("partner_company_id", "=", companyId)]));
  return keysetPage(query, "id", page).execute();
}

/** The active partnerships of a company, either direction: what partner access is computed from. */
export function activePartnerships(db: Executor, companyId: string) {
  return db
    .selectFrom("partnerships")
    .select(["requester_company_id", "partner_company_id", "scopes"])
    .where((eb) => eb.or([eb("requester_company_id", "=", companyId), eb("partner_company_id", "=", companyId)]))
    .where("status", "=", "active")
    .execute();
}
