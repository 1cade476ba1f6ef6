import type { Kysely } from "kysely";
import type { ColumnTypes } from "../src/platform/db/dialect.ts";

/**
 * Durable platform-wide state shared by every instance (the kill switch and feature flags
 * live here): one row per key, with who changed it and when.
 */
export async function up(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable("platform_state")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("value", t.json, (c) => c.notNull())
    .addColumn("updated_at", t.timestamp, (c) => c.notNull())
    .addColumn("updated_by", "text")
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("platform_state").execute();
}
