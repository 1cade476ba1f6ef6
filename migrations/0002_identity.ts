import type { Kysely } from "kysely";
import type { ColumnTypes } from "../src/platform/db/dialect.ts";

/** Accounts, login sessions with their rotating refresh tokens, single-use email tokens, login throttling. */
export async function up(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable("users")
    .addColumn("id", t.id, (c) => c.primaryKey())
    .addColumn("email", "text", (c) => c.notNull().unique())
    .addColumn("email_verified_at", t.timestamp)
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("password_hash", "text")
    .addColumn("platform_role", "text", (c) => c.notNull().defaultTo("user"))
    .addColumn("status", "text", (c) => c.notNull().defaultTo("active"))
    .addColumn("created_at", t.timestamp, (c) => c.notNull())
    .addColumn("updated_at", t.timestamp, (c) => c.notNull())
    .addColumn("deleted_at", t.timestamp)
    .execute();

  await db.schema
    .createTable("sessions")
    .addColumn("id", t.id, (c) => c.primaryKey())
    .addColumn("user_id", t.id, (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("user_agent", "text")
    .addColumn("ip", "text")
    .addColumn("created_at", t.timestamp, (c) => c.notNull())
    .addColumn("last_used_at", t.timestamp, (c) => c.notNull())
    .addColumn("expires_at", t.timestamp, (c) => c.notNull())
    .addColumn("revoked_at", t.timestamp)
    .addColumn("revoked_reason", "text")
    .execute();
  await db.schema.createIndex("sessions_user_id").on("sessions").column("user_id").execute();

  await db.schema
    .createTable("refresh_tokens")
    .addColumn("id", t.id, (c) => c.primaryKey())
    .addColumn("session_id", t.id, (c) => c.notNull().references("sessions.id").onDelete("cascade"))
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("created_at", t.timestamp, (c) => c.notNull())
    .addColumn("expires_at", t.timestamp, (c) => c.notNull())
    .addColumn("rotated_at", t.timestamp)
    .addColumn("successor_sealed", "text")
    .execute();
  await db.schema.createIndex("refresh_tokens_session_id").on("refresh_tokens").column("session_id").execute();

  await db.schema
    .createTable("email_tokens")
    .addColumn("id", t.id, (c) => c.primaryKey())
    .addColumn("user_id", t.id, (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("purpose", "text", (c) => c.notNull())
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("created_at", t.timestamp, (c) => c.notNull())
    .addColumn("expires_at", t.timestamp, (c) => c.notNull())
    .addColumn("used_at", t.timestamp)
    .execute();

  // Keyed by a hash of the normalised email, existing account or not, so throttling
  // behaves identically for unknown addresses and reveals nothing.
  await db.schema
    .createTable("login_throttles")
    .addColumn("email_hash", "text", (c) => c.primaryKey())
    .addColumn("failures", "integer", (c) => c.notNull())
    .addColumn("lockouts", "integer", (c) => c.notNull())
    .addColumn("locked_until", t.timestamp)
    .addColumn("updated_at", t.timestamp, (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ["login_throttles", "email_tokens", "refresh_tokens", "sessions", "users"]) {
    await db.schema.dropTable(table).execute();
  }
}
