import type { DatabaseHandle } from "../db/connect.ts";
import { newId } from "../db/ids.ts";
import { sql } from "../db/kysely.ts";
import type { MailQueueTable } from "../db/schema.ts";
import type { Executor } from "../db/transaction.ts";
import { createPollLoop } from "../jobs/poll-loop.ts";
import type { Logger } from "../logging/logger.ts";
import { describeMailError, type MailMessage, type OutgoingMail } from "./message.ts";

/** Turns a deferred mail request (e.g. "a reset link for this address") into a message, or none. */
export type PrepareMail = (payload: Record<string, unknown>) => Promise<MailMessage | undefined>;

export interface MailQueueOptions {
  readonly database: DatabaseHandle;
  readonly logger: Logger;
  /** One delivery attempt: resolves once the message is accepted, rejects otherwise. */
  deliver(mail: OutgoingMail): Promise<void>;
  /** A failure that will fail the same way every time (e.g. SMTP 5xx): no retry. */
  isPermanent(error: unknown): boolean;
  /** Keeps a message that will not be delivered where an operator finds it (the outbox's failed/). */
  setAside(mail: OutgoingMail, reason: unknown, attempts: number): Promise<void>;
  /** Called with each message as it is about to be delivered (development logs its link). */
  onMessage(mail: OutgoingMail): void;
  readonly maxAttempts: number;
  /** Wait before the first retry; doubled for each further one, capped at a minute. */
  readonly retryDelayMs: number;
}

export interface MailQueue {
  /** Writes the job; durable once this resolves (or once `executor`'s transaction commits). */
  enqueue(kind: string, payload: unknown, executor?: Executor): Promise<void>;
  handle(kind: string, prepare: PrepareMail): void;
  /** Starts the worker: polls, and is woken at once by this process's own enqueues. */
  start(): void;
  /** Resolves when no job is left in the table, or after `timeoutMs`. */
  drain(timeoutMs: number): Promise<void>;
  /** Stops claiming and waits for the deliveries under way; unfinished jobs stay in the table. */
  stop(): Promise<void>;
}

const POLL_MS = 1000;
/** A claim outlives any delivery attempt (SMTP_TIMEOUT_MS bounds each phase); a dead worker's claim expires. */
const LEASE_MS = 60_000;
const BATCH = 4;
const MAX_RETRY_DELAY_MS = 60_000;

/**
 * The durable mail queue: every mail the application sends is first a row in `mail_queue`,
 * written before the request is answered, and a worker in every instance delivers it off
 * the request path. A row is claimed by an UPDATE that sets a lease — on PostgreSQL the
 * candidates are picked `FOR UPDATE SKIP LOCKED`, so instances never deliver the same row
 * at once; on SQLite the UPDATE itself holds the database's single write lock. Delivered
 * rows are deleted; a failure is retried with exponential backoff up to `maxAttempts`, then
 * set aside. Delivery is at least once: a crash between the SMTP server's acceptance and the
 * delete sends that message again after the lease.
 */
export function createMailQueue(options: MailQueueOptions): MailQueue {
  const { database, logger } = options;
  const db = database.db;
  const handlers = new Map<string, PrepareMail>();

  const iso = (offsetMs = 0) => new Date(Date.now() + offsetMs).toISOString();

  async function claim(): Promise<MailQueueTable[]> {
    const now = iso();
    const lock = database.engine === "postgres" ? sql`for update skip locked` : sql``;
    const result = await sql<MailQueueTable>`
      update mail_queue set claimed_until = ${iso(LEASE_MS)}, attempts = attempts + 1
      where id in (
        select id from mail_queue
        where available_at <= ${now} and (claimed_until is null or claimed_until <= ${now})
        order by available_at limit ${BATCH} ${lock}
      )
      returning *`.execute(db);
    return result.rows;
  }

  const remove = (id: string) => db.deleteFrom("mail_queue").where("id", "=", id).execute();

  async function retryLater(row: MailQueueTable, error: unknown): Promise<void> {
    const retryInMs = Math.min(options.retryDelayMs * 2 ** (row.attempts - 1), MAX_RETRY_DELAY_MS);
    await db
      .updateTable("mail_queue")
      .set({
        available_at: iso(retryInMs),
        claimed_until: null,
        last_error: describeMailError(error).message as string,
      })
      .where("id", "=", row.id)
      .execute();
    logger.warn(
      {
        mailId: row.id,
        kind: row.kind,
        attempt: row.attempts,
        maxAttempts: options.maxAttempts,
        retryInMs,
        err: describeMailError(error),
      },
      "mail delivery failed; will retry",
    );
  }

  /** The message of a row: as queued, or prepared now from a deferred request (and stored, so a retry resends it). */
  async function messageOf(row: MailQueueTable): Promise<MailMessage | undefined> {
    const payload = JSON.parse(row.payload) as Record<string, unknown>;
    if (row.kind === "message") return payload as unknown as MailMessage;
    const prepare = handlers.get(row.kind);
    if (!prepare) throw new Error(`no handler for mail request ${row.kind} in this instance`);
    const message = await prepare(payload);
    if (message) {
      await db
        .updateTable("mail_queue")
        .set({ kind: "message", payload: JSON.stringify(message) })
        .where("id", "=", row.id)
        .execute();
    }
    return message;
  }

  async function process(row: MailQueueTable): Promise<void> {
    let mail: OutgoingMail | undefined;
    try {
      const message = await messageOf(row);
      if (!message) {
        await remove(row.id);
        return;
      }
      mail = { id: row.id, message };
      options.onMessage(mail);
      await options.deliver(mail);
    } catch (error) {
      if (mail && (row.attempts >= options.maxAttempts || options.isPermanent(error))) {
        await options.setAside(mail, error, row.attempts);
        await remove(row.id);
      } else {
        await retryLater(row, error);
      }
      return;
    }
    await remove(row.id);
    logger.info({ mailId: row.id, kind: mail.message.kind, attempt: row.attempts }, "mail delivered");
  }

  // One pass claims a batch and delivers it; the loop repeats while there was work, and
  // otherwise polls. Woken from a request, the pass runs outside that request's async
  // context: its statements and log lines belong to no request (nor to its trace).
  const loop = createPollLoop(POLL_MS, async () => {
    const rows = await claim();
    if (rows.length === 0) return false;
    // A row whose bookkeeping fails (database gone mid-delivery) is retried after its lease.
    await Promise.all(rows.map((row) => process(row).catch(() => {})));
    return true;
  });

  return {
    async enqueue(kind, payload, executor = db) {
      const now = iso();
      await executor
        .insertInto("mail_queue")
        .values({
          id: newId(),
          kind,
          payload: JSON.stringify(payload),
          attempts: 0,
          created_at: now,
          available_at: now,
          claimed_until: null,
          last_error: null,
        })
        .execute();
      // Inside a transaction the row is not visible yet; the poll picks it up after the commit.
      if (!executor.isTransaction) loop.wake();
    },
    handle(kind, prepare) {
      handlers.set(kind, prepare);
    },
    start() {
      // The first pass waits a poll interval: the app registers its preparers after the mailer exists.
      loop.start(POLL_MS);
    },
    async drain(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const left = await db
          .selectFrom("mail_queue")
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .executeTakeFirst()
          .catch(() => undefined);
        if (Number(left?.n ?? 1) === 0) return;
        loop.wake();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    stop: () => loop.stop(),
  };
}
