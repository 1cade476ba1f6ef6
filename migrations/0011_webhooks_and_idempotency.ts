import type { Kysely } from "kysely";
import type { ColumnTypes } from "../src/platform/db/dialect.ts";

/**
 * Events out and safe retries in (issue #25).
 *
 * - `event_outbox`: one row per company audit event, written by `recordAuditEvent` in the
 *   change's own transaction (so a rolled-back change has no event and a committed one
 *   cannot lose it). `seq` is the company stream's audit sequence: gap-free and in commit
 *   order. `dispatched_at` is set once the event has been fanned out to the endpoints.
 * - `webhook_endpoints`: a company's receivers; the signing secrets are sealed (AES-GCM).
 * - `webhook_deliveries`: one per (endpoint, event), the unit the delivery workers claim
 *   with a lease (`claimed_until`, `claim_token`).
 * - `idempotency_keys`: the first response to an `Idempotency-Key`, sealed with a key
 *   derived from the client's own key, for 24 h.
 */
export async function up(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable("event_outbox")
    .addColumn("id", t.id, (c) => c.primaryKey())
    .addColumn("company_id", t.id, (c) => c.notNull())
    .addColumn("seq", t.bigint, (c) => c.notNull())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("occurred_at", t.timestamp, (c) => c.notNull())
    .addColumn("payload", "text", (c) => c.notNull())
    .addColumn("dispatched_at", t.timestamp)
    .execute();
  await db.schema
    .createIndex("event_outbox_pending")
    .on("event_outbox")
    .columns(["dispatched_at", "company_id", "seq"])
    .execute();

  await db.schema
    .createTable("webhook_endpoints")
    .addColumn("id", t.id, (c) => c.primaryKey())
    .addColumn("company_id", t.id, (c) => c.notNull().references("companies.id").onDelete("cascade"))
    .addColumn("url", "text", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull())
    .addColumn("event_types", t.json, (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("disabled_reason", "text")
    .addColumn("secret_sealed", "text", (c) => c.notNull())
    .addColumn("previous_secret_sealed", "text")
    .addColumn("previous_secret_until", t.timestamp)
    .addColumn("consecutive_failures", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_by", t.id)
    .addColumn("created_at", t.timestamp, (c) => c.notNull())
    .addColumn("updated_at", t.timestamp, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("webhook_endpoints_company")
    .on("webhook_endpoints")
    .columns(["company_id", "id"])
    .execute();

  await db.schema
    .createTable("webhook_deliveries")
    .addColumn("id", t.id, (c) => c.primaryKey())
    .addColumn("endpoint_id", t.id, (c) => c.notNull().references("webhook_endpoints.id").onDelete("cascade"))
    .addColumn("company_id", t.id, (c) => c.notNull())
    .addColumn("event_id", t.id, (c) => c.notNull().references("event_outbox.id").onDelete("cascade"))
    .addColumn("seq", t.bigint, (c) => c.notNull())
    .addColumn("event_type", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("first_attempt_due", t.timestamp, (c) => c.notNull())
    .addColumn("next_attempt_at", t.timestamp, (c) => c.notNull())
    .addColumn("claimed_until", t.timestamp)
    .addColumn("claim_token", "text")
    .addColumn("last_attempt_at", t.timestamp)
    .addColumn("last_status_code", "integer")
    .addColumn("last_latency_ms", "integer")
    .addColumn("last_error", "text")
    .addColumn("finished_at", t.timestamp)
    .addUniqueConstraint("webhook_deliveries_endpoint_event", ["endpoint_id", "event_id"])
    .execute();
  await db.schema
    .createIndex("webhook_deliveries_due")
    .on("webhook_deliveries")
    .columns(["status", "next_attempt_at"])
    .execute();
  await db.schema
    .createIndex("webhook_deliveries_endpoint_seq")
    .on("webhook_deliveries")
    .columns(["endpoint_id", "status", "seq"])
    .execute();

  await db.schema
    .createTable("idempotency_keys")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("actor", "text", (c) => c.notNull())
    .addColumn("fingerprint", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("locked_until", t.timestamp, (c) => c.notNull())
    .addColumn("response", "text")
    .addColumn("created_at", t.timestamp, (c) => c.notNull())
    .addColumn("expires_at", t.timestamp, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("idempotency_keys_expiry").on("idempotency_keys").columns(["expires_at"]).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("idempotency_keys").execute();
  await db.schema.dropTable("webhook_deliveries").execute();
  await db.schema.dropTable("webhook_endpoints").execute();
  await db.schema.dropTable("event_outbox").execute();
}
