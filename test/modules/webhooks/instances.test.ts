import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { App } from "../../../src/app.ts";
import { loadConfig } from "../../../src/config/load.ts";
import { openDatabase } from "../../../src/platform/db/connect.ts";
import { createLogger } from "../../../src/platform/logging/logger.ts";
import { buildTestApp } from "../../helpers/app.ts";
import { enginesUnderTest } from "../../helpers/database.ts";
import { type IdentityHarness, identityHarness } from "../../helpers/identity.ts";
import { createCompany, newUser, type SignedIn } from "../../helpers/tenancy.ts";
import { waitFor } from "../../helpers/wait.ts";
import { WebhookReceiver } from "../../helpers/webhook-receiver.ts";

const ENV = {
  WEBHOOKS_ALLOW_PRIVATE: "true",
  WEBHOOKS_POLL_MS: "30",
  WEBHOOKS_RETRY_BASE_MS: "100",
  WEBHOOKS_TIMEOUT_MS: "1000",
  WEBHOOKS_LEASE_MS: "2500",
  ENABLE_RATE_LIMITING: "false",
};

const [, postgres] = await enginesUnderTest();

/** Another instance of the app on the harness's PostgreSQL schema (its own pool, its own worker). */
async function instanceOn(h: IdentityHarness) {
  const handle = openDatabase(
    loadConfig({ APP_ENV: "test", DATABASE_URL: h.database.url }),
    createLogger({ LOG_LEVEL: "silent", LOG_FORMAT: "json" }),
  );
  const { app, logs } = await buildTestApp(ENV, { database: handle, clock: h.clock });
  await app.ready();
  return { app, handle, logs };
}

describe(
  "webhook delivery from two instances on one PostgreSQL outbox",
  { skip: postgres?.skip ?? "no PostgreSQL" },
  () => {
    let h: IdentityHarness;
    let owner: SignedIn;
    before(async () => {
      assert.ok(postgres);
      h = await identityHarness(postgres, ENV);
      owner = await newUser(h, "two-owner");
    });
    after(() => h.close());

    async function endpoint(companyId: string, url: string) {
      const res = await h.app.inject({
        method: "POST",
        url: `/api/v1/companies/${companyId}/webhooks`,
        headers: owner.headers,
        payload: { url, eventTypes: ["company.updated"] },
      });
      assert.equal(res.statusCode, 201, res.body);
      return res.json() as { id: string; secret: string };
    }
    const rename = (app: App, companyId: string, name: string) =>
      app.inject({ method: "PATCH", url: `/api/v1/companies/${companyId}`, headers: owner.headers, payload: { name } });

    it("delivers every message once at a time, in order per endpoint, with both instances working", async () => {
      const other = await instanceOn(h);
      const receiver = new WebhookReceiver();
      const base = await receiver.listen();
      receiver.answer = () => ({ status: 200, delayMs: 40 });
      try {
        const company = await createCompany(h.app, owner, `two-${Date.now()}`);
        const ENDPOINTS = 5;
        for (let i = 0; i < ENDPOINTS; i++) receiver.trust((await endpoint(company.id, `${base}/${i}`)).secret);
        const delivered = (logs: typeof h.logs) =>
          logs.lines().filter((l) => l.msg === "webhook delivery finished").length;
        // Each instance is seen delivering (on a loaded machine one busy worker could otherwise
        // lease every message first, and the test would prove nothing about two): the other
        // instance alone first, then this one alone, then both at once for the rest.
        await h.app.webhookWorker.stop();
        const EVENTS = 12;
        for (let i = 0; i < EVENTS; i++) {
          assert.equal((await rename(i % 2 === 0 ? h.app : other.app, company.id, `Name ${i}`)).statusCode, 200);
        }
        await waitFor(() => delivered(other.logs) > 0, 15_000, "the other instance delivered");
        await other.app.webhookWorker.stop();
        h.app.webhookWorker.start();
        await waitFor(() => delivered(h.logs) > 0, 15_000, "this instance delivered");
        other.app.webhookWorker.start();
        await waitFor(
          async () => {
            const done = await h.database.handle.db
              .selectFrom("webhook_deliveries")
              .select("id")
              .where("company_id", "=", company.id)
              .where("status", "=", "succeeded")
              .execute();
            return done.length === EVENTS * ENDPOINTS;
          },
          30_000,
          "every delivery succeeded",
        );
        assert.equal(receiver.maxConcurrentPerId, 1, "no message was delivered to an endpoint twice at the same time");
        assert.deepEqual(receiver.badSignatures, []);
        const order = (
          await h.database.handle.db
            .selectFrom("event_outbox")
            .select("id")
            .where("company_id", "=", company.id)
            .where("type", "=", "company.updated")
            .orderBy("seq")
            .execute()
        ).map((e) => `msg_${e.id}`);
        for (let i = 0; i < ENDPOINTS; i++) {
          const seen: string[] = [];
          for (const m of receiver.requests) if (m.path === `/hooks/${i}` && !seen.includes(m.id)) seen.push(m.id);
          assert.deepEqual(seen, order, `endpoint ${i} received the company's events in order`);
        }
        assert.ok(delivered(h.logs) > 0 && delivered(other.logs) > 0, "both instances delivered");
      } finally {
        await receiver.close();
        await other.app.close();
        await other.handle.close();
      }
    });

    it("an instance that dies mid-delivery: the other delivers the message after its lease", async () => {
      const dying = await instanceOn(h);
      // Only the dying instance delivers at first.
      await h.app.webhookWorker.stop();
      const receiver = new WebhookReceiver();
      const url = await receiver.listen();
      receiver.answer = (n) => (n === 1 ? "hang" : { status: 200 });
      try {
        const company = await createCompany(h.app, owner, `die-${Date.now()}`);
        receiver.trust((await endpoint(company.id, url)).secret);
        assert.equal((await rename(h.app, company.id, "Before the crash")).statusCode, 200);
        await waitFor(() => receiver.attempts.length === 1, 10_000, "the first attempt in flight");
        // The instance dies: its pool goes away mid-delivery, so it can never record the outcome.
        await dying.handle.close();
        h.app.webhookWorker.start();
        await waitFor(() => receiver.requests.length === 1, 15_000, "the message delivered by the survivor");
        const [first, second] = receiver.attempts;
        assert.ok(first && second);
        assert.equal(first.id, second.id, "the same message (webhook-id)");
        assert.ok(second.at - first.at >= 2500 - 50, `not before the lease expired (${second.at - first.at} ms)`);
        const row = () =>
          h.database.handle.db
            .selectFrom("webhook_deliveries")
            .selectAll()
            .where("company_id", "=", company.id)
            .executeTakeFirstOrThrow();
        await waitFor(async () => (await row()).status === "succeeded", 5000, "the delivery recorded as succeeded");
        assert.equal((await row()).attempts, 2);
      } finally {
        await receiver.close();
        await dying.app.close().catch(() => {});
      }
    });
  },
);
