import { type Kysely, sql } from "kysely";
import type { ColumnTypes } from "../src/platform/db/dialect.ts";

/** Mailed, single-use invitations to join a company; only a hash of the token is kept. */
export async function up(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable("invitations")
    .addColumn("id", t.id, (c) => c.primaryKey())
    .addColumn("company_id", t.id, (c) => c.notNull().references("companies.id").onDelete("cascade"))
    .addColumn("email", "text", (c) => c.notNull())
    .addColumn("role", "text", (c) => c.notNull())
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("invited_by", t.id)
    .addColumn("status", "text", (c) => c.notNull().defaultTo("pending"))
    .addColumn("created_at", t.timestamp, (c) => c.notNull())
    .addColumn("expires_at", t.timestamp, (c) => c.notNull())
    .addColumn("accepted_at", t.timestamp)
    .addColumn("accepted_by", t.id)
    .addColumn("revoked_at", t.timestamp)
    .execute();
  // At most one pending invitation per address and company, even under concurrent requests;
  // a lapsed one is marked "expired" in the same transaction that replaces it.
  await db.schema
    .createIndex("invitations_pending_email")
    .on("invitations")
    .columns(["company_id", "email"])
    .unique()
    .where(sql.ref("status"), "=", "pending")
    .execute();
  await db.schema.createIndex("invitations_company").on("invitations").columns(["company_id", "id"]).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("invitations").execute();
}
