import type { Kysely } from "kysely";
import type { ColumnTypes } from "../src/platform/db/dialect.ts";

/**
 * Passkeys (WebAuthn, issue #23).
 *
 * - `passkeys`: a user's registered credentials. `credential_id` (base64url, as the browser
 *   sends it) is unique across every account: an assertion names only the credential, and
 *   passwordless sign-in finds the account through it. `counter` is the authenticator's
 *   signature counter (up to 2^32 - 1, hence bigint); a response whose counter does not
 *   grow is refused as a possible clone.
 * - `webauthn_challenges`: every challenge handed out, shared by all instances, deleted
 *   with a conditional DELETE when answered (so a second answer finds nothing) or when
 *   expired. `user_id` is null for passwordless sign-in, where nobody is known yet.
 */
export async function up(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable("passkeys")
    .addColumn("id", t.id, (c) => c.primaryKey())
    .addColumn("user_id", t.id, (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("credential_id", "text", (c) => c.notNull().unique())
    .addColumn("public_key", "text", (c) => c.notNull())
    .addColumn("counter", t.bigint, (c) => c.notNull())
    .addColumn("transports", t.json, (c) => c.notNull())
    .addColumn("device_type", "text", (c) => c.notNull())
    .addColumn("aaguid", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("created_at", t.timestamp, (c) => c.notNull())
    .addColumn("last_used_at", t.timestamp)
    .execute();
  await db.schema.createIndex("passkeys_user").on("passkeys").columns(["user_id", "created_at"]).execute();

  await db.schema
    .createTable("webauthn_challenges")
    .addColumn("id", t.id, (c) => c.primaryKey())
    .addColumn("challenge", "text", (c) => c.notNull().unique())
    .addColumn("purpose", "text", (c) => c.notNull())
    .addColumn("user_id", t.id, (c) => c.references("users.id").onDelete("cascade"))
    .addColumn("created_at", t.timestamp, (c) => c.notNull())
    .addColumn("expires_at", t.timestamp, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("webauthn_challenges_expiry").on("webauthn_challenges").columns(["expires_at"]).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("webauthn_challenges").execute();
  await db.schema.dropTable("passkeys").execute();
}
