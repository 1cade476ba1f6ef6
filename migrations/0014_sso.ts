import { type Kysely, sql } from "kysely";
import type { ColumnTypes } from "../src/platform/db/dialect.ts";

/**
 * Single sign-on per company (issue #24).
 *
 * - `sso_connections`: a company's identity providers. `protocol` is `oidc` or `saml`; the
 *   columns of the other protocol stay null. OIDC: issuer (discovery), client id, client
 *   secret sealed with ENCRYPTION_KEY (purpose "sso-client-secrets"), scopes. SAML: the IdP's
 *   entity id, SSO URL, signing certificates (JSON array of PEM), the imported metadata XML,
 *   the SP entity id Rampart presents, and `saml_settings` (JSON) for the rest. Attribute
 *   mapping and the role map are shared by both.
 * - `sso_domains`: domains a company claims, verified by a DNS TXT record. A verified domain
 *   belongs to at most one company: the partial unique index says so even under concurrent
 *   verifications. `sso_required_at`: password and other non-SSO sign-in refused for it.
 * - `sso_break_glass_users`: members a company exempts from "SSO required".
 * - `sso_login_flows`: state / nonce / PKCE verifier of each started sign-in, shared by every
 *   instance, deleted when the callback consumes it (single use) or when expired.
 * - `sessions.sso_connection_id`: the connection that started an SSO session.
 */
export async function up(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable("sso_connections")
    .addColumn("id", t.id, (c) => c.primaryKey())
    .addColumn("company_id", t.id, (c) => c.notNull().references("companies.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("protocol", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("oidc_issuer", "text")
    .addColumn("oidc_client_id", "text")
    .addColumn("oidc_client_secret_sealed", "text")
    .addColumn("oidc_scopes", t.json)
    .addColumn("saml_idp_entity_id", "text")
    .addColumn("saml_idp_sso_url", "text")
    .addColumn("saml_idp_certificates", t.json)
    .addColumn("saml_idp_metadata_xml", "text")
    .addColumn("saml_sp_entity_id", "text")
    .addColumn("saml_settings", t.json)
    .addColumn("email_claim", "text", (c) => c.notNull())
    .addColumn("email_verified_claim", "text", (c) => c.notNull())
    .addColumn("name_claim", "text", (c) => c.notNull())
    .addColumn("groups_claim", "text", (c) => c.notNull())
    .addColumn("role_mapping", t.json, (c) => c.notNull())
    .addColumn("default_role", "text", (c) => c.notNull())
    .addColumn("session_max_age_s", "integer")
    .addColumn("created_by", t.id)
    .addColumn("created_at", t.timestamp, (c) => c.notNull())
    .addColumn("updated_at", t.timestamp, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("sso_connections_company").on("sso_connections").columns(["company_id", "id"]).execute();

  await db.schema
    .createTable("sso_domains")
    .addColumn("id", t.id, (c) => c.primaryKey())
    .addColumn("company_id", t.id, (c) => c.notNull().references("companies.id").onDelete("cascade"))
    .addColumn("domain", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("verification_token", "text", (c) => c.notNull())
    .addColumn("sso_required_at", t.timestamp)
    .addColumn("created_at", t.timestamp, (c) => c.notNull())
    .addColumn("verified_at", t.timestamp)
    .addColumn("last_checked_at", t.timestamp)
    .execute();
  await db.schema
    .createIndex("sso_domains_company_domain")
    .on("sso_domains")
    .columns(["company_id", "domain"])
    .unique()
    .execute();
  // One owner per verified domain, whatever the race between two companies' verifications.
  await db.schema
    .createIndex("sso_domains_verified")
    .on("sso_domains")
    .column("domain")
    .unique()
    .where(sql.ref("status"), "=", "verified")
    .execute();

  await db.schema
    .createTable("sso_break_glass_users")
    .addColumn("company_id", t.id, (c) => c.notNull().references("companies.id").onDelete("cascade"))
    .addColumn("user_id", t.id, (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("created_at", t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint("sso_break_glass_users_pk", ["company_id", "user_id"])
    .execute();

  await db.schema
    .createTable("sso_login_flows")
    .addColumn("id", t.id, (c) => c.primaryKey())
    .addColumn("state_hash", "text", (c) => c.notNull().unique())
    .addColumn("connection_id", t.id, (c) => c.notNull().references("sso_connections.id").onDelete("cascade"))
    .addColumn("purpose", "text", (c) => c.notNull())
    .addColumn("nonce", "text", (c) => c.notNull())
    .addColumn("code_verifier", "text", (c) => c.notNull())
    .addColumn("browser_hash", "text", (c) => c.notNull())
    .addColumn("created_at", t.timestamp, (c) => c.notNull())
    .addColumn("expires_at", t.timestamp, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("sso_login_flows_expiry").on("sso_login_flows").columns(["expires_at"]).execute();

  await db.schema.alterTable("sessions").addColumn("sso_connection_id", t.id).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("sessions").dropColumn("sso_connection_id").execute();
  await db.schema.dropTable("sso_login_flows").execute();
  await db.schema.dropTable("sso_break_glass_users").execute();
  await db.schema.dropTable("sso_domains").execute();
  await db.schema.dropTable("sso_connections").execute();
}
