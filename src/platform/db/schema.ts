import type { ApiKeysTables } from "../../modules/api-keys/tables.ts";
import type { AuditTables } from "../../modules/audit/tables.ts";
import type { CompaniesTables } from "../../modules/companies/tables.ts";
import type { IdentityTables } from "../../modules/identity/tables.ts";
import type { InvitationsTables } from "../../modules/invitations/tables.ts";
import type { PartnersTables } from "../../modules/partners/tables.ts";
import type { SocialTables } from "../../modules/social/tables.ts";
import type { SsoTables } from "../../modules/sso/tables.ts";
import type { WebhooksTables } from "../../modules/webhooks/tables.ts";
import type { EventOutboxTable } from "../events/outbox.ts";
import type { IdempotencyKeysTable } from "../idempotency/store.ts";

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

/** Mail waiting for delivery (see migrations/0008_mail_queue.ts and platform/mail/queue.ts). */
export interface MailQueueTable {
  id: string;
  kind: string;
  /** JSON text: a MailMessage for `message`, the request's fields otherwise. */
  payload: string;
  attempts: number;
  created_at: string;
  available_at: string;
  claimed_until: string | null;
  last_error: string | null;
}

export interface Database
  extends IdentityTables,
    CompaniesTables,
    InvitationsTables,
    PartnersTables,
    ApiKeysTables,
    AuditTables,
    WebhooksTables,
    SsoTables,
    SocialTables {
  rampart_migrations: MigrationsTable;
  platform_state: PlatformStateTable;
  mail_queue: MailQueueTable;
  event_outbox: EventOutboxTable;
  idempotency_keys: IdempotencyKeysTable;
}
