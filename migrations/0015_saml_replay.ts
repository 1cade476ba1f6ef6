import type { Kysely } from "kysely";
import type { ColumnTypes } from "../src/platform/db/dialect.ts";

/**
 * SAML service-provider state shared by every instance (issue #24), so that a response
 * can land on any instance and still be checked once:
 *
 * - `saml_requests`: the id of every AuthnRequest sent, until answered or expired. The ACS
 *   deletes the row with one conditional DELETE; only the request that removed it wins, so
 *   a response answers its request once, on whichever instance. `purpose` is `sign_in` or
 *   `test` (an owner's dry run): bound here, server-side, never read from RelayState.
 * - `saml_assertions`: the id of every assertion accepted, until its NotOnOrAfter (plus the
 *   clock skew) has passed — after that the time checks refuse it anyway. The primary key is
 *   the single-use check: the INSERT that finds the key taken is the replay.
 *
 * `connection_id` names the SSO connection (issue #24's connections table) without a foreign
 * key: rows expire within minutes, and this table must not depend on that migration's order.
 */
export async function up(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable("saml_requests")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("connection_id", t.id, (c) => c.notNull())
    .addColumn("purpose", "text", (c) => c.notNull())
    .addColumn("browser_hash", "text")
    .addColumn("created_at", t.timestamp, (c) => c.notNull())
    .addColumn("expires_at", t.timestamp, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("saml_requests_expiry").on("saml_requests").columns(["expires_at"]).execute();

  await db.schema
    .createTable("saml_assertions")
    .addColumn("connection_id", t.id, (c) => c.notNull())
    .addColumn("assertion_id", "text", (c) => c.notNull())
    .addColumn("created_at", t.timestamp, (c) => c.notNull())
    .addColumn("expires_at", t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint("saml_assertions_pk", ["connection_id", "assertion_id"])
    .execute();
  await db.schema.createIndex("saml_assertions_expiry").on("saml_assertions").columns(["expires_at"]).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("saml_assertions").execute();
  await db.schema.dropTable("saml_requests").execute();
}
