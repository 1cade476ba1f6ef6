import { Type } from "@sinclair/typebox";
import type { PersonalDataSource } from "../../platform/db/personal-data.ts";

/**
 * Webhook endpoints the person created. An endpoint belongs to its company: erasure keeps
 * it, `created_by` stays as an opaque id whose account row is scrubbed (and the endpoint
 * stops receiving, creator-rights.ts). Deliveries hold no personal data of their own; what
 * an event says about a person is the audit trail's (event_outbox, decided by the platform).
 */
export const webhooksPersonalData: PersonalDataSource = {
  category: "webhookEndpointsCreated",
  description: "Webhook endpoints the person created: company, URL, events and dates (never the secret)",
  item: Type.Object(
    {
      id: Type.String({ format: "uuid" }),
      companyId: Type.String({ format: "uuid" }),
      url: Type.String(),
      createdAt: Type.String({ format: "date-time" }),
    },
    { additionalProperties: false },
  ),
  columns: {
    webhook_endpoints: {
      id: "none",
      company_id: "none",
      url: "none",
      description: "none",
      event_types: "none",
      status: "none",
      disabled_reason: "none",
      secret_sealed: "none",
      previous_secret_sealed: "none",
      previous_secret_until: "none",
      consecutive_failures: "none",
      created_by: { kept: "the creator's opaque id: the company's record of who added the endpoint" },
      created_at: "none",
      updated_at: "none",
    },
    webhook_deliveries: {
      id: "none",
      endpoint_id: "none",
      company_id: "none",
      event_id: "none",
      seq: "none",
      event_type: "none",
      status: "none",
      attempts: "none",
      first_attempt_due: "none",
      next_attempt_at: "none",
      claimed_until: "none",
      claim_token: "none",
      last_attempt_at: "none",
      last_status_code: "none",
      last_latency_ms: "none",
      last_error: "none",
      finished_at: "none",
    },
  },
  async export(db, person) {
    const rows = await db
      .selectFrom("webhook_endpoints")
      .select(["id", "company_id", "url", "created_at"])
      .where("created_by", "=", person.userId)
      .orderBy("created_at")
      .execute();
    return rows.map((r) => ({ id: r.id, companyId: r.company_id, url: r.url, createdAt: r.created_at }));
  },
  async erase() {
    return undefined;
  },
};
