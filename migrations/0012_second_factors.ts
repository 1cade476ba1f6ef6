import type { Kysely } from "kysely";
import type { ColumnTypes } from "../src/platform/db/dialect.ts";

/**
 * Second factors and step-up (issue #23).
 *
 * - `user_factors`: a user's TOTP authenticators. The seed is sealed (platform/crypto,
 *   purpose "totp-secrets"); `last_used_step` is the newest RFC 6238 time step accepted, so a
 *   code is accepted once (a conditional UPDATE refuses any step ≤ it). A factor counts only
 *   once `confirmed_at` is set (the user proved the authenticator works).
 * - `recovery_codes`: ten single-use codes per user, stored as SHA-256 (they carry 60+ bits
 *   and are single use); regenerating deletes the old set.
 * - `mfa_tickets`: the short-lived, single-use ticket a password login answers with when the
 *   account has a factor; stored here (not in memory) so any instance can complete it.
 *   `client_hash` binds it to the client that got it; `credential_tag` to the password it
 *   verified (a password change in between voids it).
 * - `sessions.amr` / `sessions.auth_time`: how and when the session last authenticated
 *   (RFC 8176 method references, comma list); refresh keeps them, reauthentication renews them.
 */
export async function up(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable("user_factors")
    .addColumn("id", t.id, (c) => c.primaryKey())
    .addColumn("user_id", t.id, (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("secret_sealed", "text", (c) => c.notNull())
    .addColumn("last_used_step", t.bigint)
    .addColumn("confirmed_at", t.timestamp)
    .addColumn("created_at", t.timestamp, (c) => c.notNull())
    .addColumn("last_used_at", t.timestamp)
    .execute();
  await db.schema.createIndex("user_factors_user").on("user_factors").columns(["user_id"]).execute();

  await db.schema
    .createTable("recovery_codes")
    .addColumn("id", t.id, (c) => c.primaryKey())
    .addColumn("user_id", t.id, (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("code_hash", "text", (c) => c.notNull())
    .addColumn("created_at", t.timestamp, (c) => c.notNull())
    .addColumn("used_at", t.timestamp)
    .execute();
  await db.schema.createIndex("recovery_codes_user").on("recovery_codes").columns(["user_id", "code_hash"]).execute();

  await db.schema
    .createTable("mfa_tickets")
    .addColumn("id", t.id, (c) => c.primaryKey())
    .addColumn("user_id", t.id, (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("ticket_hash", "text", (c) => c.notNull().unique())
    .addColumn("client_hash", "text", (c) => c.notNull())
    .addColumn("credential_tag", "text", (c) => c.notNull())
    .addColumn("failures", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", t.timestamp, (c) => c.notNull())
    .addColumn("expires_at", t.timestamp, (c) => c.notNull())
    .addColumn("used_at", t.timestamp)
    .execute();
  await db.schema.createIndex("mfa_tickets_user").on("mfa_tickets").columns(["user_id"]).execute();

  await db.schema.alterTable("sessions").addColumn("amr", "text").execute();
  await db.schema.alterTable("sessions").addColumn("auth_time", t.timestamp).execute();

  await db.schema.alterTable("companies").addColumn("require_mfa_since", t.timestamp).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("companies").dropColumn("require_mfa_since").execute();
  await db.schema.alterTable("sessions").dropColumn("auth_time").execute();
  await db.schema.alterTable("sessions").dropColumn("amr").execute();
  await db.schema.dropTable("mfa_tickets").execute();
  await db.schema.dropTable("recovery_codes").execute();
  await db.schema.dropTable("user_factors").execute();
}
