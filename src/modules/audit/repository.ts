import type { Executor } from "../../platform/db/transaction.ts";
import { GENESIS_HASH } from "./chain.ts";
import type { AuditActorType, AuditChainHeadsTable, AuditEventsTable } from "./tables.ts";

export interface ChainHead {
  stream: string;
  lastSeq: number;
  lastHash: string;
  anchorSeq: number;
  anchorHash: string;
}

function toHead(row: AuditChainHeadsTable): ChainHead {
  return {
    stream: row.stream,
    lastSeq: Number(row.last_seq),
    lastHash: row.last_hash,
    anchorSeq: Number(row.anchor_seq),
    anchorHash: row.anchor_hash,
  };
}

/**
 * Takes the stream's head row lock until the transaction ends and returns the head. A
 * no-op UPDATE … RETURNING is the lock on both engines: PostgreSQL row-locks it (a second
 * writer waits, then reads the head the first one committed), SQLite takes its database
 * write lock. The first event of a stream creates the head; concurrent creators meet in
 * ON CONFLICT DO NOTHING and then both lock the one row.
 */
export async function lockChainHead(trx: Executor, stream: string): Promise<ChainHead> {
  const touch = () =>
    trx
      .updateTable("audit_chain_heads")
      .set((eb) => ({ last_seq: eb.ref("last_seq") }))
      .where("stream", "=", stream)
      .returningAll()
      .executeTakeFirst();
  let row = await touch();
  if (!row) {
    await trx
      .insertInto("audit_chain_heads")
      .values({
        stream,
        last_seq: 0,
        last_hash: GENESIS_HASH,
        anchor_seq: 0,
        anchor_hash: GENESIS_HASH,
        pruned_at: null,
      })
      .onConflict((oc) => oc.column("stream").doNothing())
      .execute();
    row = await touch();
  }
  if (!row) throw new Error(`audit chain head for ${stream} could not be created`);
  return toHead(row);
}

export async function advanceChainHead(trx: Executor, stream: string, seq: number, hash: string): Promise<void> {
  await trx
    .updateTable("audit_chain_heads")
    .set({ last_seq: seq, last_hash: hash })
    .where("stream", "=", stream)
    .execute();
}

export async function moveChainAnchor(
  trx: Executor,
  stream: string,
  anchorSeq: number,
  anchorHash: string,
  prunedAt: string,
): Promise<void> {
  await trx
    .updateTable("audit_chain_heads")
    .set({ anchor_seq: anchorSeq, anchor_hash: anchorHash, pruned_at: prunedAt })
    .where("stream", "=", stream)
    .execute();
}

export async function insertAuditEvent(trx: Executor, row: AuditEventsTable): Promise<void> {
  await trx.insertInto("audit_events").values(row).execute();
}

export async function findChainHead(db: Executor, stream: string): Promise<ChainHead | undefined> {
  const row = await db.selectFrom("audit_chain_heads").selectAll().where("stream", "=", stream).executeTakeFirst();
  return row ? toHead(row) : undefined;
}

/** Every stream that has a head or events (events without a head are a break verify must report). */
export async function listStreams(db: Executor): Promise<string[]> {
  const heads = await db.selectFrom("audit_chain_heads").select("stream").execute();
  const withEvents = await db.selectFrom("audit_events").select("stream").distinct().execute();
  return [...new Set([...heads, ...withEvents].map((r) => r.stream))].sort();
}

/** A stream's events after `afterSeq`, in chain order, `limit` at a time (verify walks with this). */
export async function streamEventsAfter(
  db: Executor,
  stream: string,
  afterSeq: number,
  upToSeq: number,
  limit: number,
): Promise<AuditEventsTable[]> {
  return db
    .selectFrom("audit_events")
    .selectAll()
    .where("stream", "=", stream)
    .where("seq", ">", afterSeq)
    .where("seq", "<=", upToSeq)
    .orderBy("seq")
    .limit(limit)
    .execute();
}

/** The seq before the stream's first event at or after `cutoff`; events up to it may be pruned. */
export async function firstSeqAtOrAfter(db: Executor, stream: string, afterSeq: number, cutoff: string) {
  const row = await db
    .selectFrom("audit_events")
    .select((eb) => eb.fn.min("seq").as("seq"))
    .where("stream", "=", stream)
    .where("seq", ">", afterSeq)
    .where("occurred_at", ">=", cutoff)
    .executeTakeFirst();
  return row?.seq === null || row?.seq === undefined ? undefined : Number(row.seq);
}

export async function findEventHashAt(db: Executor, stream: string, seq: number): Promise<string | undefined> {
  const row = await db
    .selectFrom("audit_events")
    .select("hash")
    .where("stream", "=", stream)
    .where("seq", "=", seq)
    .executeTakeFirst();
  return row?.hash;
}

export async function deleteStreamEventsUpTo(trx: Executor, stream: string, seq: number): Promise<number> {
  const result = await trx
    .deleteFrom("audit_events")
    .where("stream", "=", stream)
    .where("seq", "<=", seq)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export interface AuditFilter {
  /** A company's events; `undefined` for every stream (platform admins), `null` for the platform stream. */
  companyId?: string | null;
  /** Exact action, or a prefix ending in `.*` (`auth.*`). */
  action?: string;
  actorType?: AuditActorType;
  actorId?: string;
  /** Inclusive lower bound (ISO-8601). */
  from?: string;
  /** Exclusive upper bound (ISO-8601). */
  to?: string;
}

export interface AuditKey {
  occurredAt: string;
  id: string;
}

/**
 * One page of events by keyset on (occurred_at, id): `desc` for listings (newest first),
 * `asc` for exports. Never an OFFSET, so page N costs what page 1 costs.
 */
export async function findAuditEvents(
  db: Executor,
  filter: AuditFilter,
  page: { after?: AuditKey; limit: number; order: "asc" | "desc" },
): Promise<AuditEventsTable[]> {
  let query = db.selectFrom("audit_events").selectAll();
  if (filter.companyId === null) query = query.where("company_id", "is", null);
  else if (filter.companyId !== undefined) query = query.where("company_id", "=", filter.companyId);
  if (filter.action?.endsWith(".*")) {
    // A prefix as a range (index-friendly, case-sensitive on both engines, no LIKE escaping): '.' + 1 = '/'.
    const prefix = filter.action.slice(0, -1);
    query = query.where("action", ">=", prefix).where("action", "<", `${prefix.slice(0, -1)}/`);
  } else if (filter.action) query = query.where("action", "=", filter.action);
  if (filter.actorType) query = query.where("actor_type", "=", filter.actorType);
  if (filter.actorId) query = query.where("actor_id", "=", filter.actorId);
  if (filter.from) query = query.where("occurred_at", ">=", filter.from);
  if (filter.to) query = query.where("occurred_at", "<", filter.to);
  const after = page.after;
  if (after) {
    const cmp = page.order === "desc" ? "<" : ">";
    query = query.where((eb) =>
      eb.or([
        eb("occurred_at", cmp, after.occurredAt),
        eb.and([eb("occurred_at", "=", after.occurredAt), eb("id", cmp, after.id)]),
      ]),
    );
  }
  return query.orderBy("occurred_at", page.order).orderBy("id", page.order).limit(page.limit).execute();
}
