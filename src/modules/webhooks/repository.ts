import { keysetPage } from "../../platform/db/keyset.ts";
import type { Executor } from "../../platform/db/transaction.ts";
import type { PageRequest } from "../../platform/http/pagination.ts";
import type { WebhookDeliveriesTable, WebhookEndpointsTable } from "./tables.ts";

export async function insertEndpoint(db: Executor, row: WebhookEndpointsTable): Promise<void> {
  await db.insertInto("webhook_endpoints").values(row).execute();
}

export async function pageOfEndpoints(db: Executor, companyId: string, page: PageRequest) {
  const query = db.selectFrom("webhook_endpoints").selectAll().where("company_id", "=", companyId);
  return keysetPage(query, "id", page).execute();
}

export async function findEndpoint(db: Executor, companyId: string, id: string) {
  return db
    .selectFrom("webhook_endpoints")
    .selectAll()
    .where("company_id", "=", companyId)
    .where("id", "=", id)
    .executeTakeFirst();
}

export async function updateEndpoint(
  db: Executor,
  companyId: string,
  id: string,
  changes: Partial<WebhookEndpointsTable>,
): Promise<WebhookEndpointsTable | undefined> {
  return db
    .updateTable("webhook_endpoints")
    .set(changes)
    .where("company_id", "=", companyId)
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteEndpoint(db: Executor, companyId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom("webhook_endpoints")
    .where("company_id", "=", companyId)
    .where("id", "=", id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

export type DeliveryRow = WebhookDeliveriesTable;

export async function pageOfDeliveries(db: Executor, companyId: string, endpointId: string, page: PageRequest) {
  const query = db
    .selectFrom("webhook_deliveries")
    .selectAll()
    .where("company_id", "=", companyId)
    .where("endpoint_id", "=", endpointId);
  // Newest first.
  return keysetPage(query, "id", page, "desc").execute();
}

export async function findDelivery(db: Executor, companyId: string, endpointId: string, id: string) {
  return db
    .selectFrom("webhook_deliveries")
    .selectAll()
    .where("company_id", "=", companyId)
    .where("endpoint_id", "=", endpointId)
    .where("id", "=", id)
    .executeTakeFirst();
}

/** Redelivery: the delivery starts over (a new retry window), keeping its place in the endpoint's order. */
export async function restartDelivery(db: Executor, id: string, now: string): Promise<void> {
  await db
    .updateTable("webhook_deliveries")
    .set({
      status: "pending",
      attempts: 0,
      first_attempt_due: now,
      next_attempt_at: now,
      // A claim under way stays: its worker finishes that attempt, and no second worker starts one meanwhile.
      finished_at: null,
    })
    .where("id", "=", id)
    .execute();
}
