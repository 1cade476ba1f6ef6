export type WebhookEndpointStatus = "enabled" | "disabled";
export type WebhookDeliveryStatus = "pending" | "succeeded" | "failed" | "cancelled";

export interface WebhookEndpointsTable {
  id: string;
  company_id: string;
  url: string;
  description: string;
  /** JSON array of event types (`member.role_changed`) or `["*"]`. */
  event_types: unknown;
  status: WebhookEndpointStatus;
  disabled_reason: string | null;
  /** The `whsec_…` secret sealed with ENCRYPTION_KEY (secret.ts); shown to the client once. */
  secret_sealed: string;
  /** After a rotation: the previous secret, which keeps signing beside the new one until `previous_secret_until`. */
  previous_secret_sealed: string | null;
  previous_secret_until: string | null;
  /** Messages failed in a row (reset by a success); the endpoint is disabled at WEBHOOKS_DISABLE_AFTER_FAILURES. */
  consecutive_failures: number;
  /** The user who created it: it receives only while they may still manage webhooks (creator-rights.ts). */
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface WebhookDeliveriesTable {
  id: string;
  endpoint_id: string;
  company_id: string;
  event_id: string;
  /** The event's company sequence: an endpoint receives its messages in this order. */
  seq: number | string;
  /** The event's type, copied at fan-out (the outbox is the platform's). */
  event_type: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  /** When the first attempt was due: the retry window (3 days) counts from here. */
  first_attempt_due: string;
  next_attempt_at: string;
  claimed_until: string | null;
  /** Which worker holds the lease: only it may record the attempt's outcome. */
  claim_token: string | null;
  last_attempt_at: string | null;
  last_status_code: number | null;
  last_latency_ms: number | null;
  last_error: string | null;
  finished_at: string | null;
}

export interface WebhooksTables {
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
}
