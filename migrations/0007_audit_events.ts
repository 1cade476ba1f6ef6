import { type Kysely, sql } from "kysely";
import type { ColumnTypes } from "../src/platform/db/dialect.ts";

/**
 * The append-only audit trail. Events form one hash chain per stream (a company, or the
 * platform); `audit_chain_heads` holds each stream's latest link and is the row writers
 * lock so that concurrent appends cannot fork the chain. `metadata` is canonical JSON text
 * on both engines (not jsonb): the hash covers the exact stored bytes, and jsonb would
 * re-serialise them.
 */
export async function up(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable("audit_events")
    .addColumn("id", t.id, (c) => c.primaryKey())
    .addColumn("stream", "text", (c) => c.notNull())
    .addColumn("seq", t.bigint, (c) => c.notNull())
    .addColumn("occurred_at", t.timestamp, (c) => c.notNull())
    .addColumn("actor_type", "text", (c) => c.notNull())
    .addColumn("actor_id", "text")
    .addColumn("company_id", "text")
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("target_type", "text")
    .addColumn("target_id", "text")
    .addColumn("ip", "text")
    .addColumn("user_agent", "text")
    .addColumn("request_id", "text")
    .addColumn("metadata", "text", (c) => c.notNull())
    .addColumn("prev_hash", "text", (c) => c.notNull())
    .addColumn("hash", "text", (c) => c.notNull())
    .addCheckConstraint("audit_events_actor_type", sql`actor_type in ('user', 'api_key', 'system')`)
    .execute();
  // One link per position: a second writer that somehow skipped the head lock fails instead of forking.
  await db.schema
    .createIndex("audit_events_stream_seq")
    .on("audit_events")
    .columns(["stream", "seq"])
    .unique()
    .execute();
  // Listing and export: newest/oldest first within a company, or across all streams for platform admins.
  await db.schema
    .createIndex("audit_events_company_time")
    .on("audit_events")
    .columns(["company_id", "occurred_at", "id"])
    .execute();
  await db.schema.createIndex("audit_events_time").on("audit_events").columns(["occurred_at", "id"]).execute();

  await db.schema
    .createTable("audit_chain_heads")
    .addColumn("stream", "text", (c) => c.primaryKey())
    .addColumn("last_seq", t.bigint, (c) => c.notNull())
    .addColumn("last_hash", "text", (c) => c.notNull())
    // Where verification starts: the seq before the first kept event and the hash it must chain to (moved by prune).
    .addColumn("anchor_seq", t.bigint, (c) => c.notNull())
    .addColumn("anchor_hash", "text", (c) => c.notNull())
    .addColumn("pruned_at", t.timestamp)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("audit_chain_heads").execute();
  await db.schema.dropTable("audit_events").execute();
}
