import type { Executor } from "../db/transaction.ts";

/** A company event on its way to the company's webhook endpoints (see migrations/0011). */
export interface EventOutboxTable {
  /** The audit event's id: also the webhook message id, the same on every retry and endpoint. */
  id: string;
  company_id: string;
  /** The company stream's audit sequence: gap-free, in commit order. PostgreSQL returns a string. */
  seq: number | string;
  type: string;
  occurred_at: string;
  /** JSON text: the message's `data`. */
  payload: string;
  dispatched_at: string | null;
}

export interface OutboxEvent {
  readonly id: string;
  readonly companyId: string;
  readonly seq: number;
  readonly type: string;
  readonly occurredAt: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/**
 * Appends an event to the outbox inside the caller's transaction: it commits or rolls back
 * with the change it describes. The webhooks module fans it out after the commit.
 */
export async function appendOutboxEvent(trx: Executor, event: OutboxEvent): Promise<void> {
  await trx
    .insertInto("event_outbox")
    .values({
      id: event.id,
      company_id: event.companyId,
      seq: event.seq,
      type: event.type,
      occurred_at: event.occurredAt,
      payload: JSON.stringify(event.data),
      dispatched_at: null,
    })
    .execute();
}
