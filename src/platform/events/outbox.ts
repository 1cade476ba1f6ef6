import type { RawBuilder } from "kysely";
import { sql } from "../db/kysely.ts";
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

/**
 * Up to `limit` events not yet fanned out, oldest first per company; on PostgreSQL locked
 * `FOR UPDATE SKIP LOCKED` so two instances take different ones. Call inside a transaction.
 */
export async function lockUndispatchedEvents(
  trx: Executor,
  engine: "sqlite" | "postgres",
  limit: number,
): Promise<EventOutboxTable[]> {
  const lock = engine === "postgres" ? sql`for update skip locked` : sql``;
  const result = await sql<EventOutboxTable>`
    select * from event_outbox where dispatched_at is null
    order by company_id, seq limit ${limit} ${lock}`.execute(trx);
  return result.rows;
}

export async function markEventsDispatched(trx: Executor, ids: readonly string[], at: string): Promise<void> {
  if (ids.length === 0) return;
  await trx.updateTable("event_outbox").set({ dispatched_at: at }).where("id", "in", ids).execute();
}

export async function findOutboxEvent(db: Executor, id: string): Promise<EventOutboxTable | undefined> {
  return db.selectFrom("event_outbox").selectAll().where("id", "=", id).executeTakeFirst();
}

/**
 * SQL condition: an event of the company older than `seq` is not fanned out yet — so a
 * newer event's delivery waits for it (the order a company's receivers see).
 */
export function olderEventUndispatched(companyId: RawBuilder<unknown>, seq: RawBuilder<unknown>): RawBuilder<boolean> {
  return sql<boolean>`exists (
    select 1 from event_outbox o
    where o.company_id = ${companyId} and o.dispatched_at is null and o.seq < ${seq})`;
}

/** How long a fanned-out event (and, by cascade, its deliveries' history) is kept. */
export const OUTBOX_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

/** Deletes events fanned out before `before` (their deliveries go with them). */
export async function deleteDispatchedEvents(db: Executor, before: string): Promise<number> {
  const result = await db.deleteFrom("event_outbox").where("dispatched_at", "<", before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
