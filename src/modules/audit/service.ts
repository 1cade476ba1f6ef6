import type { Clock } from "../../platform/clock.ts";
import { newId } from "../../platform/db/ids.ts";
import { type Executor, withTransaction } from "../../platform/db/transaction.ts";
import { appendOutboxEvent } from "../../platform/events/outbox.ts";
import { type PageQuery, pageRequest, toPage } from "../../platform/http/pagination.ts";
import { type AuditActor, OPERATOR_BY_ROLE } from "./actor.ts";
import { canonicalJson, eventHash, newPersonalSalt, personalDigest, streamOf } from "./chain.ts";
import { keyString, parseKey } from "./cursor.ts";
import type { AuditEventInput } from "./event-input.ts";
import { redactSecrets } from "./redact.ts";
import * as repo from "./repository.ts";
import type { AuditActorType, AuditEventsTable } from "./tables.ts";

const USER_AGENT_MAX = 512;

/**
 * A change to a company's resources by `who`, recorded in the company's stream inside the
 * change's transaction. An operator's change is recorded twice: in full in the platform
 * stream (first: every writer of several streams locks the platform's first), and by role
 * only in the company's.
 */
export async function recordCompanyChange(
  executor: Executor,
  clock: Clock,
  who: AuditActor,
  change: { companyId: string; action: string; target: { type: string; id: string } },
  metadata: Readonly<Record<string, unknown>> = {},
): Promise<void> {
  const { operator, ...actor } = who;
  const event = { action: change.action, targetType: change.target.type, targetId: change.target.id };
  if (operator) {
    await recordAuditEvent(executor, clock, {
      ...actor,
      ...event,
      metadata: { ...metadata, companyId: change.companyId },
    });
  }
  await recordAuditEvent(executor, clock, {
    ...(operator ? { ...OPERATOR_BY_ROLE, requestId: actor.requestId } : actor),
    ...event,
    companyId: change.companyId,
    metadata,
  });
}

/**
 * Appends an event to its stream's hash chain inside the caller's transaction: if the
 * change rolls back, so does its event; if the event cannot be written, this throws and
 * the change fails. Appends to one stream are serialised by the stream's head row lock,
 * held until the caller commits — so record the event last in the transaction, and touch
 * at most one stream per transaction (or always in the same order) to avoid deadlocks.
 */
export async function recordAuditEvent(executor: Executor, clock: Clock, event: AuditEventInput): Promise<void> {
  const companyId = event.companyId ?? null;
  const stream = streamOf(companyId);
  // Joins the caller's transaction; makes lock, insert and head update atomic when called outside one.
  await withTransaction(executor, async (trx) => {
    const head = await repo.lockChainHead(trx, stream);
    const ip = event.ip ?? null;
    const userAgent = event.userAgent?.slice(0, USER_AGENT_MAX) ?? null;
    const salt = newPersonalSalt();
    const fields = {
      id: newId(),
      stream,
      seq: head.lastSeq + 1,
      occurred_at: clock.nowIso(),
      actor_type: event.actorType,
      actor_id: event.actorId,
      company_id: companyId,
      action: event.action,
      target_type: event.targetType ?? null,
      target_id: event.targetId ?? null,
      ip,
      user_agent: userAgent,
      personal_salt: salt,
      personal_digest: personalDigest(salt, ip, userAgent),
      request_id: event.requestId ?? null,
      metadata: canonicalJson(redactSecrets(event.metadata ?? {})),
      prev_hash: head.lastHash,
    };
    const hash = eventHash(fields);
    await repo.insertAuditEvent(trx, { ...fields, hash });
    await repo.advanceChainHead(trx, stream, fields.seq, hash);
    // A company's event is also on its way to the company's webhooks, in this same
    // transaction: no event for a rolled-back change, none lost for a committed one.
    if (companyId !== null) {
      await appendOutboxEvent(trx, {
        id: fields.id,
        companyId,
        seq: fields.seq,
        type: fields.action,
        occurredAt: fields.occurred_at,
        data: webhookData(fields),
      });
    }
  });
}

/** What a webhook receiver is told of an event: never the ip, user agent or hashes. */
function webhookData(fields: {
  id: string;
  company_id: string | null;
  actor_type: AuditActorType;
  actor_id: string | null;
  target_type: string | null;
  target_id: string | null;
  request_id: string | null;
  metadata: string;
}): Record<string, unknown> {
  return {
    id: fields.id,
    companyId: fields.company_id,
    actor: { type: fields.actor_type, id: fields.actor_id },
    target: fields.target_type === null ? null : { type: fields.target_type, id: fields.target_id },
    requestId: fields.request_id,
    metadata: JSON.parse(fields.metadata) as Record<string, unknown>,
  };
}

/** An event as the API shows it. */
export interface AuditEventView {
  id: string;
  occurredAt: string;
  actor: { type: AuditActorType; id: string | null };
  companyId: string | null;
  action: string;
  target: { type: string; id: string | null } | null;
  ip: string | null;
  userAgent: string | null;
  /** What the hash covers instead of ip and user agent (null on v1 events): see docs/audit.md. */
  personalDigest: string | null;
  requestId: string | null;
  metadata: Record<string, unknown>;
  sequence: number;
  prevHash: string;
  hash: string;
}

export function toView(row: AuditEventsTable): AuditEventView {
  return {
    id: row.id,
    occurredAt: row.occurred_at,
    actor: { type: row.actor_type, id: row.actor_id },
    companyId: row.company_id,
    action: row.action,
    target: row.target_type === null ? null : { type: row.target_type, id: row.target_id },
    ip: row.ip,
    userAgent: row.user_agent,
    personalDigest: row.personal_digest,
    requestId: row.request_id,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    sequence: Number(row.seq),
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface AuditPage {
  items: AuditEventView[];
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

/** Newest first, by keyset on (occurred_at, id); an unreadable cursor is the shared 422 `pagination.invalid_cursor`. */
export async function listAuditEvents(db: Executor, filter: repo.AuditFilter, query: PageQuery): Promise<AuditPage> {
  const page = pageRequest(
    { ...query, limit: Math.min(Math.max(query.limit ?? DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE) },
    (key) => parseKey(key) !== undefined,
  );
  const after = page.after === undefined ? undefined : parseKey(page.after);
  // One extra row tells whether another page exists without a COUNT.
  const rows = await repo.findAuditEvents(db, filter, { after, limit: page.limit + 1, order: "desc" });
  return toPage(rows, page, (row) => keyString({ occurredAt: row.occurred_at, id: row.id }), toView);
}

export const EXPORT_BATCH_SIZE = 1000;

/**
 * Every matching event, oldest first, read from the database `batchSize` rows at a time by
 * keyset. The generator pulls the next batch only when its consumer asks, so an HTTP export
 * holds one batch in memory however many events match.
 */
export async function* exportAuditEvents(
  db: Executor,
  filter: repo.AuditFilter,
  batchSize = EXPORT_BATCH_SIZE,
): AsyncGenerator<AuditEventsTable> {
  let after: repo.AuditKey | undefined;
  for (;;) {
    const rows = await repo.findAuditEvents(db, filter, { after, limit: batchSize, order: "asc" });
    yield* rows;
    const last = rows.at(-1);
    if (!last || rows.length < batchSize) return;
    after = { occurredAt: last.occurred_at, id: last.id };
  }
}
