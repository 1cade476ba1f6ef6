import type { ApiKeysTables } from "../../modules/api-keys/tables.ts";
import type { AuditTables } from "../../modules/audit/tables.ts";
import type { CompaniesTables } from "../../modules/companies/tables.ts";
import type { IdentityTables } from "../../modules/identity/tables.ts";
import type { InvitationsTables } from "../../modules/invitations/tables.ts";
import type { PartnersTables } from "../../modules/partners/tables.ts";

/**
 * The tables Rampart stores, one interface per module's tables combined here. Column
 * conventions that keep both engines alike (see dialect.ts): ids are UUIDv7 text made by
 * the application, timestamps are ISO-8601 UTC strings, no boolean columns (use a
 * nullable timestamp or a status), JSON is read through `parseJson`.
 */
export interface MigrationsTable {
  name: string;
  checksum: string;
  applied_at: string;
  id: number;
}

/** Platform-wide durable state (kill switch, feature flags): key → JSON value. */
export interface PlatformStateTable {
  key: string;
  value: unknown;
  updated_at: string;
  updated_by: string | null;
}

export interface Database
  extends IdentityTables,
    CompaniesTables,
    InvitationsTables,
    PartnersTables,
    ApiKeysTables,
    AuditTables {
  rampart_migrations: MigrationsTable;
  platform_state: PlatformStateTable;
}
