import type { Kysely } from "kysely";
import type { ColumnTypes } from "../src/platform/db/dialect.ts";

/**
 * Social sign-in, platform-wide (issue #24, docs/social-sign-in.md).
 *
 * - `social_identities`: an account's link to a provider's person (`provider` + `subject`,
 *   unique: one provider identity signs in one account). `email` is what the provider said
 *   at linking (shown in the account's list of links); erased with the account.
 * - `social_login_flows`: state / nonce / PKCE verifier of each started sign-in or link,
 *   shared by every instance, deleted when the callback consumes it (single use) or when
 *   expired. `purpose` is `sign_in` or `link`; a link flow is bound to `user_id`. The
 *   `browser_hash` binds the flow to the browser that started it (a cookie), so a flow
 *   started by someone else cannot be completed in this browser (login CSRF).
 */
export async function up(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable("social_identities")
    .addColumn("id", t.id, (c) => c.primaryKey())
    .addColumn("user_id", t.id, (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("provider", "text", (c) => c.notNull())
    .addColumn("subject", "text", (c) => c.notNull())
    .addColumn("email", "text")
    .addColumn("created_at", t.timestamp, (c) => c.notNull())
    .addColumn("last_used_at", t.timestamp)
    .execute();
  await db.schema
    .createIndex("social_identities_subject")
    .on("social_identities")
    .columns(["provider", "subject"])
    .unique()
    .execute();
  await db.schema.createIndex("social_identities_user").on("social_identities").columns(["user_id", "id"]).execute();

  await db.schema
    .createTable("social_login_flows")
    .addColumn("id", t.id, (c) => c.primaryKey())
    .addColumn("state_hash", "text", (c) => c.notNull().unique())
    .addColumn("provider", "text", (c) => c.notNull())
    .addColumn("purpose", "text", (c) => c.notNull())
    .addColumn("user_id", t.id, (c) => c.references("users.id").onDelete("cascade"))
    .addColumn("browser_hash", "text", (c) => c.notNull())
    .addColumn("nonce", "text", (c) => c.notNull())
    .addColumn("code_verifier", "text", (c) => c.notNull())
    .addColumn("created_at", t.timestamp, (c) => c.notNull())
    .addColumn("expires_at", t.timestamp, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("social_login_flows_expiry").on("social_login_flows").columns(["expires_at"]).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("social_login_flows").execute();
  await db.schema.dropTable("social_identities").execute();
}
