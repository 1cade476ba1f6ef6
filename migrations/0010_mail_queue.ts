import type { Kysely } from "kysely";
import type { ColumnTypes } from "../src/platform/db/dialect.ts";

/**
 * Mail on its way out. A request that sends mail commits a row here before it answers, and
 * a worker in every instance delivers it off the request path, so a mail acknowledged to a
 * client survives an SMTP outage, a crash or a restart. `kind` is `message` (a rendered
 * mail in `payload`) or a deferred request (e.g. a password reset for an address) that the
 * worker turns into a message. A row is claimed by setting `claimed_until` (a lease: a
 * worker that dies mid-delivery releases it by expiry) and deleted once delivered or set
 * aside; `available_at` is the backoff. The payload holds single-use links, so nothing
 * is kept after delivery.
 */
export async function up(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable("mail_queue")
    .addColumn("id", t.id, (c) => c.primaryKey())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("payload", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", t.timestamp, (c) => c.notNull())
    .addColumn("available_at", t.timestamp, (c) => c.notNull())
    .addColumn("claimed_until", t.timestamp)
    .addColumn("last_error", "text")
    .execute();
  await db.schema.createIndex("mail_queue_available").on("mail_queue").columns(["available_at"]).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("mail_queue").execute();
}
