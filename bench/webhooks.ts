import { recordAuditEvent } from "../src/modules/audit/index.ts";
import { systemClock } from "../src/platform/clock.ts";
import { withTransaction } from "../src/platform/db/transaction.ts";
import { type EngineUnderTest, enginesUnderTest } from "../test/helpers/database.ts";
import { identityHarness } from "../test/helpers/identity.ts";
import { createCompany, joinDirectly, newUser } from "../test/helpers/tenancy.ts";
import { waitFor } from "../test/helpers/wait.ts";
import { WebhookReceiver } from "../test/helpers/webhook-receiver.ts";

/**
 * Webhooks' own figures, in process: what the outbox row adds to a change (audit appends
 * with and without it, and member role changes end to end through the API), and how many
 * deliveries per second one instance makes to a local receiver.
 */
const APPENDS = 1000;
const ROLE_CHANGES = 200;
const DELIVERIES = 500;

async function appendsPerSecond(engine: EngineUnderTest, companyId: string | null): Promise<number> {
  const database = await engine.create();
  try {
    const started = performance.now();
    for (let i = 0; i < APPENDS; i++) {
      await withTransaction(database.handle.db, (trx) =>
        recordAuditEvent(trx, systemClock, {
          action: "member.role_changed",
          actorType: "system",
          actorId: "bench",
          companyId,
          metadata: { before: { role: "viewer" }, after: { role: "admin" } },
        }),
      );
    }
    return APPENDS / ((performance.now() - started) / 1000);
  } finally {
    await database.drop();
  }
}

async function endToEnd(engine: EngineUnderTest) {
  const h = await identityHarness(engine, {
    WEBHOOKS_ALLOW_PRIVATE: "true",
    WEBHOOKS_POLL_MS: "10",
    LOG_LEVEL: "warn",
  });
  const receiver = new WebhookReceiver();
  const url = await receiver.listen();
  try {
    const owner = await newUser(h, "bench-owner");
    const member = await newUser(h, "bench-member");
    const company = await createCompany(h.app, owner, `bench-${Date.now()}`);
    await joinDirectly(h, company.id, member, "viewer");
    const endpoint = await h.app.inject({
      method: "POST",
      url: `/api/v1/companies/${company.id}/webhooks`,
      headers: owner.headers,
      payload: { url, eventTypes: ["*"] },
    });
    receiver.trust((endpoint.json() as { secret: string }).secret);
    // Role changes end to end (the outbox row is one more insert in their transaction).
    await h.app.webhookWorker.stop();
    let started = performance.now();
    for (let i = 0; i < ROLE_CHANGES; i++) {
      const res = await h.app.inject({
        method: "PATCH",
        url: `/api/v1/companies/${company.id}/members/${member.userId}`,
        headers: owner.headers,
        payload: { role: i % 2 === 0 ? "member" : "viewer" },
      });
      if (res.statusCode >= 300) throw new Error(res.body);
    }
    const roleChangesPerSecond = ROLE_CHANGES / ((performance.now() - started) / 1000);
    // Delivery throughput: a backlog, then one instance's worker drains it.
    for (let i = 0; i < DELIVERIES - ROLE_CHANGES - 1; i++) {
      await withTransaction(h.database.handle.db, (trx) =>
        recordAuditEvent(trx, systemClock, {
          action: "company.updated",
          actorType: "system",
          actorId: "bench",
          companyId: company.id,
          metadata: { i },
        }),
      );
    }
    started = performance.now();
    h.app.webhookWorker.start();
    await waitFor(() => receiver.unique().length >= DELIVERIES, 600_000, "every delivery");
    const deliveriesPerSecond = DELIVERIES / ((performance.now() - started) / 1000);
    return { roleChangesPerSecond, deliveriesPerSecond };
  } finally {
    await receiver.close();
    await h.close();
  }
}

export async function webhooksBench(out: NodeJS.WritableStream): Promise<void> {
  out.write(
    "\n| webhooks | audit appends/s, platform stream (no outbox row) | audit appends/s, company stream (+ outbox row) | outbox overhead µs/event | member role changes/s (API) | deliveries/s to a local receiver (one instance, in order) |\n|---|---:|---:|---:|---:|---:|\n",
  );
  for (const engine of await enginesUnderTest()) {
    if (engine.skip) continue;
    const company = "0190a0a0-0000-7000-8000-0000000000be";
    // A warm-up pass, then the two alternately (twice each, averaged): neither gets the JIT's cold start.
    await appendsPerSecond(engine, null);
    let without = 0;
    let withOutbox = 0;
    for (let round = 0; round < 2; round++) {
      without += (await appendsPerSecond(engine, null)) / 2;
      withOutbox += (await appendsPerSecond(engine, company)) / 2;
    }
    const overhead = (1 / withOutbox - 1 / without) * 1e6;
    const e = await endToEnd(engine);
    out.write(
      `| ${engine.engine} | ${without.toFixed(0)} | ${withOutbox.toFixed(0)} | ${overhead.toFixed(0)} | ${e.roleChangesPerSecond.toFixed(0)} | ${e.deliveriesPerSecond.toFixed(0)} |\n`,
    );
  }
}
