import type { Clock } from "../../platform/clock.ts";
import { type Executor, withTransaction } from "../../platform/db/transaction.ts";
import { type ChainedFields, eventHash, personalFieldsBreak } from "./chain.ts";
import * as repo from "./repository.ts";

/** The first place a stream's chain does not hold. `eventId` is null when the break is missing events at the end. */
export interface ChainBreak {
  stream: string;
  eventId: string | null;
  seq: number;
  reason: string;
}

export interface StreamCheck {
  stream: string;
  events: number;
  broken?: ChainBreak;
}

export interface VerifyReport {
  streams: StreamCheck[];
  events: number;
  broken: ChainBreak[];
}

const VERIFY_BATCH = 1000;

/**
 * Walks one stream from its anchor (the genesis, or the last pruned event) up to the head:
 * seq must be gap-free, each prev_hash must be the previous event's hash, each hash must
 * match the event's contents, and the last event must be the one the head names. A row
 * edited, deleted or inserted directly in the database breaks one of these.
 */
export async function verifyStream(db: Executor, stream: string, upToSeq?: number): Promise<StreamCheck> {
  const head = await repo.findChainHead(db, stream);
  if (!head) {
    const [first] = await repo.streamEventsAfter(db, stream, 0, Number.MAX_SAFE_INTEGER, 1);
    return {
      stream,
      events: 0,
      broken: {
        stream,
        eventId: first?.id ?? null,
        seq: Number(first?.seq ?? 0),
        reason: "the stream has no chain head",
      },
    };
  }
  const end = Math.min(upToSeq ?? head.lastSeq, head.lastSeq);
  let expectedSeq = head.anchorSeq + 1;
  let expectedPrev = head.anchorHash;
  let events = 0;
  const broken = (eventId: string | null, seq: number, reason: string): StreamCheck => ({
    stream,
    events,
    broken: { stream, eventId, seq, reason },
  });
  for (;;) {
    const rows = await repo.streamEventsAfter(db, stream, expectedSeq - 1, end, VERIFY_BATCH);
    for (const row of rows) {
      const seq = Number(row.seq);
      if (seq !== expectedSeq)
        return broken(row.id, seq, `events ${expectedSeq}..${seq - 1} before this one are missing`);
      if (row.prev_hash !== expectedPrev)
        return broken(row.id, seq, "prev_hash does not match the previous event's hash");
      const fields: ChainedFields = { ...row, seq };
      if (eventHash(fields) !== row.hash)
        return broken(row.id, seq, "hash does not match the event's contents (the row was changed)");
      const personal = personalFieldsBreak(row);
      if (personal) return broken(row.id, seq, personal);
      expectedPrev = row.hash;
      expectedSeq += 1;
      events += 1;
    }
    if (rows.length < VERIFY_BATCH) break;
  }
  if (expectedSeq - 1 !== end) return broken(null, expectedSeq, `events ${expectedSeq}..${end} are missing`);
  if (end === head.lastSeq && expectedPrev !== head.lastHash)
    return broken(null, end, "the last event's hash does not match the chain head");
  return { stream, events };
}

/**
 * Verifies every stream there is, and requires `requiredStreams` (the platform stream and
 * one per company that exists) to be among them: deleting a whole stream together with its
 * head leaves nothing to walk, so only their absence can tell.
 */
export async function verifyAuditChains(db: Executor, requiredStreams: readonly string[] = []): Promise<VerifyReport> {
  const present = await repo.listStreams(db);
  const streams: StreamCheck[] = [];
  for (const stream of present) streams.push(await verifyStream(db, stream));
  const have = new Set(present);
  for (const stream of [...new Set(requiredStreams)].sort())
    if (!have.has(stream))
      streams.push({
        stream,
        events: 0,
        broken: { stream, eventId: null, seq: 0, reason: "the stream and its chain head are missing" },
      });
  return {
    streams,
    events: streams.reduce((n, s) => n + s.events, 0),
    broken: streams.flatMap((s) => (s.broken ? [s.broken] : [])),
  };
}

export interface PruneReport {
  cutoff: string;
  deleted: number;
  /** Streams left untouched because their chain is broken: pruning would destroy the evidence. */
  skipped: ChainBreak[];
}

const PRUNE_CHUNK = 10_000;

/**
 * Deletes events older than `retentionDays`, per stream and only as a prefix of the chain,
 * in chunks each in its own short transaction. Each chunk moves the stream's anchor to the
 * last deleted event's hash, so verify starts from the first kept event and the chain stays
 * checkable. A stream whose pruned part does not verify is skipped and reported. `chunk` is
 * the events deleted per transaction (a test's few events can then span several chunks).
 */
export async function pruneAuditEvents(
  db: Executor,
  clock: Clock,
  retentionDays: number,
  chunk = PRUNE_CHUNK,
): Promise<PruneReport> {
  const cutoff = new Date(clock.now().getTime() - retentionDays * 86_400_000).toISOString();
  const report: PruneReport = { cutoff, deleted: 0, skipped: [] };
  for (const stream of await repo.listStreams(db)) {
    const head = await repo.findChainHead(db, stream);
    if (!head) continue;
    const firstKept = await repo.firstSeqAtOrAfter(db, stream, head.anchorSeq, cutoff);
    const pruneTo = firstKept === undefined ? head.lastSeq : firstKept - 1;
    if (pruneTo <= head.anchorSeq) continue;
    const check = await verifyStream(db, stream, pruneTo);
    if (check.broken) {
      report.skipped.push(check.broken);
      continue;
    }
    for (let upTo = Math.min(head.anchorSeq + chunk, pruneTo); ; upTo = Math.min(upTo + chunk, pruneTo)) {
      report.deleted += await withTransaction(db, async (trx) => {
        // Holding the head lock keeps appends to this stream out while its anchor moves.
        await repo.lockChainHead(trx, stream);
        const anchorHash = await repo.findEventHashAt(trx, stream, upTo);
        if (anchorHash === undefined) throw new Error(`audit event ${stream}#${upTo} vanished during prune`);
        const deleted = await repo.deleteStreamEventsUpTo(trx, stream, upTo);
        await repo.moveChainAnchor(trx, stream, upTo, anchorHash, clock.nowIso());
        return deleted;
      });
      if (upTo >= pruneTo) break;
    }
  }
  return report;
}
