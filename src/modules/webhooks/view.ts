import { parseJson } from "../../platform/db/dialect.ts";
import type { DeliveryRow } from "./repository.ts";
import type { WebhookDeliveryStatus, WebhookEndpointStatus, WebhookEndpointsTable } from "./tables.ts";

export interface WebhookEndpoint {
  id: string;
  url: string;
  description: string;
  eventTypes: string[];
  enabled: boolean;
  status: WebhookEndpointStatus;
  disabledReason: string | null;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
  /** While a rotated secret still signs beside the new one. */
  previousSecretExpiresAt: string | null;
}

export interface WebhookDelivery {
  id: string;
  eventId: string;
  eventType: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  responseStatus: number | null;
  latencyMs: number | null;
  lastError: string | null;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
  finishedAt: string | null;
}

export function toEndpoint(row: WebhookEndpointsTable, now: Date): WebhookEndpoint {
  const overlap =
    row.previous_secret_until !== null && new Date(row.previous_secret_until).getTime() > now.getTime()
      ? row.previous_secret_until
      : null;
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    eventTypes: parseJson<string[]>(row.event_types),
    enabled: row.status === "enabled",
    status: row.status,
    disabledReason: row.disabled_reason,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    previousSecretExpiresAt: overlap,
  };
}

export function toDelivery(row: DeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    eventId: row.event_id,
    eventType: row.event_type,
    status: row.status,
    attempts: row.attempts,
    responseStatus: row.last_status_code,
    latencyMs: row.last_latency_ms,
    lastError: row.last_error,
    lastAttemptAt: row.last_attempt_at,
    nextAttemptAt: row.status === "pending" ? row.next_attempt_at : null,
    finishedAt: row.finished_at,
  };
}
