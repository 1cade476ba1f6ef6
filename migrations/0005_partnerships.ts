import { type Kysely, sql } from "kysely";
import type { ColumnTypes } from "../src/platform/db/dialect.ts";

/** Company ↔ company partnerships: requested by one side, accepted by the other, scoped. */
export async function up(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable("partnerships")
    .addColumn("id", t.id, (c) => c.primaryKey())
    .addColumn("requester_company_id", t.id, (c) => c.notNull().references("companies.id").onDelete("cascade"))
    .addColumn("partner_company_id", t.id, (c) => c.notNull().references("companies.id").onDelete("cascade"))
    // The two company ids sorted and joined: the pair whichever side asked.
    .addColumn("pair_key", "text", (c) => c.notNull())
    .addColumn("scopes", t.json, (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("requested_by", t.id)
    .addColumn("decided_by", t.id)
    .addColumn("created_at", t.timestamp, (c) => c.notNull())
    .addColumn("updated_at", t.timestamp, (c) => c.notNull())
    .execute();
  // One live (pending or active) partnership per pair, in either direction, even under races.
  await db.schema
    .createIndex("partnerships_live_pair")
    .on("partnerships")
    .column("pair_key")
    .unique()
    .where(sql.ref("status"), "in", sql`('pending', 'active')`)
    .execute();
  await db.schema.createIndex("partnerships_requester").on("partnerships").column("requester_company_id").execute();
  await db.schema.createIndex("partnerships_partner").on("partnerships").column("partner_company_id").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("partnerships").execute();
}
