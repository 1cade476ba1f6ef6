import type { SealedColumn } from "../../platform/crypto/sealed-columns.ts";

/** Webhook signing secrets are sealed under keys derived for this purpose only. */
export const WEBHOOK_SECRETS_PURPOSE = "webhook-secrets";

/** The signing secret, and the previous one that keeps signing during a rotation's overlap. */
export const webhooksSealedColumns: readonly SealedColumn[] = [
  { table: "webhook_endpoints", idColumn: "id", column: "secret_sealed", purpose: WEBHOOK_SECRETS_PURPOSE },
  { table: "webhook_endpoints", idColumn: "id", column: "previous_secret_sealed", purpose: WEBHOOK_SECRETS_PURPOSE },
];
