import { randomUUID } from "node:crypto";
import type { Transaction } from "kysely";
import { parseJson } from "../../platform/db/dialect.ts";
import { newId } from "../../platform/db/ids.ts";
import { sql } from "../../platform/db/kysely.ts";
import type { Database } from "../../platform/db/schema.ts";
import { withTransaction } from "../../platform/db/transaction.ts";
import {
  deleteDispatchedEvents,
  findOutboxEvent,
  lockUndispatchedEvents,
  markEventsDispatched,
  OUTBOX_RETENTION_MS,
  olderEventUndispatched,
} from "../../platform/events/outbox.ts";
import { createPollLoop } from "../../platform/jobs/poll-loop.ts";
import { recordAuditEvent, systemActor } from "../audit/index.ts";
import { type AttemptOutcome, postOnce } from "./outbound.ts";
import type { WebhooksDeps } from "./service.ts";
import { signedHeaders } from "./signature.ts";
import type { WebhookDeliveriesTable, WebhookEndpointsTable } from "./tables.ts";

const DISPATCH_BATCH = 100;
const DELIVERY_BATCH = 8;

export interface WebhookWorker {
  start(): void;
  stop(): Promise<void>;
  /** Runs a pass now: the tests' and the bench's way to skip the poll interval. */
  wake(): void;
}

/** What a delivery shows (lastError) while the server cannot open the endpoint's signing secret. */
const UNOPENED_SECRET =
  "the server cannot open this endpoint's signing secret (ENCRYPTION_KEY configuration); retrying";

/** The wait before attempt `attempt + 1`: exponential from the base, capped, plus up to 20% jitter. */
export function backoffMs(settings: WebhooksDeps["settings"], attempt: number, retryAfterMs?: number): number {
  const exponential = Math.min(settings.retryMaxDelayMs, settings.retryBaseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.round(exponential * (1 + Math.random() * 0.2));
  if (retryAfterMs === undefined) return jittered;
  return Math.max(jittered, Math.min(retryAfterMs, settings.retryMaxDelayMs));
}

const subscribed = (endpoint: WebhookEndpointsTable, type: string) => {
  const types = parseJson<string[]>(endpoint.event_types);
  return types.includes("*") || types.includes(type);
};

/**
 * Delivery, in every instance. Two steps per pass:
 * 1. Fan-out: outbox events not yet dispatched become one delivery per enabled, subscribed
 *    endpoint of the company (locked `FOR UPDATE SKIP LOCKED` on PostgreSQL).
 * 2. Delivery: due deliveries are claimed with a lease by one UPDATE — on PostgreSQL the
 *    candidates `FOR UPDATE SKIP LOCKED`, on SQLite under its single write lock — so no two
 *    workers hold one delivery at once; only an endpoint's oldest pending delivery is a
 *    candidate (an endpoint receives the company's events in order), and none while an
 *    older event of the company is still undispatched. The outcome is written only by the
 *    lease holder (`claim_token`). A worker that dies leaves its lease to expire; another
 *    worker then delivers the message (at least once).
 */
export function createWebhookWorker(deps: WebhooksDeps): WebhookWorker {
  const { database, logger, settings } = deps;
  const db = database.db;
  const postgres = database.engine === "postgres";
  // Scheduling and the signature's timestamp use real time (like the mail queue), not the app's
  // clock: a lease or a backoff must mean the same on every instance and to the receiver.
  const iso = (offsetMs = 0) => new Date(Date.now() + offsetMs).toISOString();

  async function dispatch(): Promise<number> {
    return withTransaction(db, async (trx) => {
      const events = await lockUndispatchedEvents(trx, database.engine, DISPATCH_BATCH);
      if (events.length === 0) return 0;
      const companies = [...new Set(events.map((e) => e.company_id))];
      const endpoints = await trx
        .selectFrom("webhook_endpoints")
        .selectAll()
        .where("company_id", "in", companies)
        .where("status", "=", "enabled")
        .execute();
      const now = iso();
      const rows: WebhookDeliveriesTable[] = [];
      for (const event of events) {
        const occurred = new Date(event.occurred_at).getTime();
        for (const endpoint of endpoints) {
          if (endpoint.company_id !== event.company_id || !subscribed(endpoint, event.type)) continue;
          if (new Date(endpoint.created_at).getTime() > occurred) continue;
          rows.push({
            id: newId(),
            endpoint_id: endpoint.id,
            company_id: event.company_id,
            event_id: event.id,
            seq: event.seq,
            event_type: event.type,
            status: "pending",
            attempts: 0,
            first_attempt_due: now,
            next_attempt_at: now,
            claimed_until: null,
            claim_token: null,
            last_attempt_at: null,
            last_status_code: null,
            last_latency_ms: null,
            last_error: null,
            finished_at: null,
          });
        }
      }
      if (rows.length > 0) {
        await trx
          .insertInto("webhook_deliveries")
          .values(rows)
          .onConflict((oc) => oc.columns(["endpoint_id", "event_id"]).doNothing())
          .execute();
      }
      await markEventsDispatched(
        trx,
        events.map((e) => e.id),
        now,
      );
      return events.length;
    });
  }

  async function claim(token: string, limit: number): Promise<WebhookDeliveriesTable[]> {
    const now = iso();
    const lock = postgres ? sql`for update of d skip locked` : sql``;
    const result = await sql<WebhookDeliveriesTable>`
      update webhook_deliveries
      set claimed_until = ${iso(settings.leaseMs)}, claim_token = ${token}, attempts = attempts + 1
      where id in (
        select d.id from webhook_deliveries d
        join webhook_endpoints p on p.id = d.endpoint_id
        where d.status = 'pending' and d.next_attempt_at <= ${now}
          and (d.claimed_until is null or d.claimed_until <= ${now})
          and p.status = 'enabled'
          and not exists (
            select 1 from webhook_deliveries x
            where x.endpoint_id = d.endpoint_id and x.status = 'pending' and x.seq < d.seq)
          and not ${olderEventUndispatched(sql.ref("d.company_id"), sql.ref("d.seq"))}
        order by d.next_attempt_at limit ${limit} ${lock}
      )
      returning *`.execute(db);
    return result.rows;
  }

  /** Writes the attempt's outcome if this worker still holds the lease; failures may disable the endpoint. */
  async function record(
    row: WebhookDeliveriesTable,
    token: string,
    outcome: AttemptOutcome | { kind: "cancelled"; error: string },
  ): Promise<void> {
    const now = iso();
    const common = {
      claimed_until: null,
      claim_token: null,
      last_attempt_at: now,
      last_status_code: "status" in outcome ? outcome.status : null,
      last_latency_ms: "latencyMs" in outcome ? outcome.latencyMs : null,
      last_error: outcome.kind === "delivered" ? null : outcome.error,
    };
    let status: WebhookDeliveriesTable["status"] = "pending";
    let next = now;
    if (outcome.kind === "delivered") status = "succeeded";
    else if (outcome.kind === "cancelled") status = "cancelled";
    else if (outcome.kind === "refused") status = "failed";
    else {
      const wait = backoffMs(settings, row.attempts, outcome.retryAfterMs);
      const deadline = new Date(row.first_attempt_due).getTime() + settings.retryWindowMs;
      if (Date.now() + wait > deadline) status = "failed";
      else next = iso(wait);
    }
    await withTransaction(db, async (trx) => {
      const updated = await trx
        .updateTable("webhook_deliveries")
        .set({ ...common, status, next_attempt_at: next, finished_at: status === "pending" ? null : now })
        .where("id", "=", row.id)
        .where("claim_token", "=", token)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) return;
      if (status === "succeeded") {
        await trx
          .updateTable("webhook_endpoints")
          .set({ consecutive_failures: 0 })
          .where("id", "=", row.endpoint_id)
          .where("consecutive_failures", ">", 0)
          .execute();
      } else if (status === "failed") {
        await failedMessage(trx, row, common.last_error ?? "");
      }
    });
    const log = { deliveryId: row.id, endpointId: row.endpoint_id, eventId: row.event_id, attempt: row.attempts };
    if (status === "pending")
      logger.warn({ ...log, error: common.last_error, nextAttemptAt: next }, "webhook delivery failed; will retry");
    else if (status === "failed") logger.warn({ ...log, error: common.last_error }, "webhook message failed");
    else logger.info({ ...log, status }, "webhook delivery finished");
  }

  async function failedMessage(trx: Transaction<Database>, row: WebhookDeliveriesTable, error: string) {
    const endpoint = await trx
      .updateTable("webhook_endpoints")
      .set((eb) => ({ consecutive_failures: eb("consecutive_failures", "+", 1) }))
      .where("id", "=", row.endpoint_id)
      .returningAll()
      .executeTakeFirst();
    if (!endpoint || endpoint.status !== "enabled" || endpoint.consecutive_failures < settings.disableAfterFailures)
      return;
    const reason = `${endpoint.consecutive_failures} messages in a row failed (last: ${error})`;
    await trx
      .updateTable("webhook_endpoints")
      .set({ status: "disabled", disabled_reason: reason, updated_at: iso() })
      .where("id", "=", endpoint.id)
      .execute();
    await recordAuditEvent(trx, deps.clock, {
      ...systemActor("webhooks"),
      action: "webhook_endpoint.disabled",
      companyId: endpoint.company_id,
      targetType: "webhook_endpoint",
      targetId: endpoint.id,
      metadata: { url: endpoint.url, consecutiveFailures: endpoint.consecutive_failures, lastError: error },
    });
  }

  /** The secrets that sign now (the previous one during its overlap); undefined when no configured key opens them. */
  function openSecrets(endpoint: WebhookEndpointsTable, now: Date): string[] | undefined {
    try {
      const secrets = [deps.sealer.unseal(endpoint.secret_sealed)];
      if (
        endpoint.previous_secret_sealed !== null &&
        endpoint.previous_secret_until !== null &&
        new Date(endpoint.previous_secret_until).getTime() > now.getTime()
      ) {
        secrets.push(deps.sealer.unseal(endpoint.previous_secret_sealed));
      }
      return secrets;
    } catch {
      return undefined;
    }
  }

  async function deliver(row: WebhookDeliveriesTable, token: string): Promise<void> {
    const endpoint = await db
      .selectFrom("webhook_endpoints")
      .selectAll()
      .where("id", "=", row.endpoint_id)
      .executeTakeFirst();
    const event = await findOutboxEvent(db, row.event_id);
    if (!endpoint || !event) return;
    if (!(await deps.creatorMayReceive(endpoint.company_id, endpoint.created_by))) {
      await record(row, token, { kind: "cancelled", error: "the endpoint's creator may no longer manage webhooks" });
      return;
    }
    const now = new Date();
    const secrets = openSecrets(endpoint, now);
    if (secrets === undefined) {
      // The key that sealed the secret is not configured (dropped from ENCRYPTION_KEYS_PREVIOUS
      // before `rampart keys rotate-encryption` ran): an attempt that retries on the schedule,
      // so the message neither stalls under a lease for ever nor goes out unsigned.
      logger.error(
        { endpointId: endpoint.id, deliveryId: row.id },
        "webhook signing secret opens with no configured ENCRYPTION_KEY; see docs/security.md, Secrets at rest",
      );
      await record(row, token, { kind: "retry", status: null, latencyMs: 0, error: UNOPENED_SECRET });
      return;
    }
    const body = JSON.stringify({
      type: event.type,
      timestamp: new Date(event.occurred_at).toISOString(),
      data: JSON.parse(event.payload) as unknown,
    });
    const headers = {
      ...signedHeaders(secrets, `msg_${event.id}`, Math.floor(now.getTime() / 1000), body),
      "content-type": "application/json",
      "user-agent": "Rampart-Webhooks/1",
    };
    const outcome = await postOnce({
      url: endpoint.url,
      headers,
      body,
      timeoutMs: settings.timeoutMs,
      allowPrivate: settings.allowPrivate,
      resolve: deps.resolve,
    });
    await record(row, token, outcome);
  }

  // Once an hour per instance: events older than the retention, with their delivery history.
  let nextCleanup = 0;
  async function cleanup(): Promise<void> {
    if (Date.now() < nextCleanup) return;
    nextCleanup = Date.now() + 3_600_000;
    await deleteDispatchedEvents(db, iso(-OUTBOX_RETENTION_MS));
  }

  // Deliveries run beside the loop, up to DELIVERY_BATCH at once: a slow endpoint (up to
  // WEBHOOKS_TIMEOUT_MS) does not hold back the others; each one finished wakes the loop.
  const inFlight = new Set<Promise<void>>();
  const loop = createPollLoop(settings.pollMs, async () => {
    await cleanup();
    const dispatched = await dispatch();
    const room = DELIVERY_BATCH - inFlight.size;
    if (room <= 0) return false;
    const token = randomUUID();
    const rows = await claim(token, room);
    for (const row of rows) {
      const running: Promise<void> = deliver(row, token)
        // A delivery whose bookkeeping fails (database gone) is retried after its lease.
        .catch((error: unknown) => logger.warn({ err: error, deliveryId: row.id }, "webhook delivery error"))
        .finally(() => {
          inFlight.delete(running);
          loop.wake();
        });
      inFlight.add(running);
    }
    return dispatched > 0 || rows.length > 0;
  });

  return {
    start: () => loop.start(),
    async stop() {
      await loop.stop();
      await Promise.all([...inFlight]);
    },
    wake: () => loop.wake(),
  };
}
