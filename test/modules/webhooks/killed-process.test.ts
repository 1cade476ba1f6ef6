import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { TEST_ENCRYPTION_KEY } from "../../helpers/config.ts";
import { enginesUnderTest } from "../../helpers/database.ts";
import { type IdentityHarness, identityHarness } from "../../helpers/identity.ts";
import { type ServerProcess, startServerProcess } from "../../helpers/server-process.ts";
import { createCompany, newUser } from "../../helpers/tenancy.ts";
import { waitFor } from "../../helpers/wait.ts";
import { WebhookReceiver } from "../../helpers/webhook-receiver.ts";

/**
 * #25: "an instance killed mid-delivery: the message is delivered later by the other". Here the
 * instance is a real `rampart` process on the shared PostgreSQL outbox, killed with SIGKILL while
 * the receiver holds its request open: no shutdown hook, no pool close, no chance to record
 * anything. A second real process must deliver the message once the first one's lease ran out.
 */
const LEASE_MS = 2500;
const ENV = {
  WEBHOOKS_ALLOW_PRIVATE: "true",
  WEBHOOKS_POLL_MS: "50",
  WEBHOOKS_RETRY_BASE_MS: "100",
  WEBHOOKS_TIMEOUT_MS: "1000",
  WEBHOOKS_LEASE_MS: String(LEASE_MS),
  ENABLE_RATE_LIMITING: "false",
  // Both processes and the test's own app seal and open with one key.
  ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
};

const [, postgres] = await enginesUnderTest();

describe("an instance process killed mid-delivery (PostgreSQL)", { skip: postgres?.skip ?? "no PostgreSQL" }, () => {
  let h: IdentityHarness;
  const processes: ServerProcess[] = [];
  const receiver = new WebhookReceiver();

  before(async () => {
    assert.ok(postgres);
    // The API side (company, endpoint, the change that emits the event) runs in this test's
    // app, whose own delivery worker is stopped: only the spawned processes deliver.
    h = await identityHarness(postgres, ENV);
    await h.app.webhookWorker.stop();
  });
  after(async () => {
    for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
    await Promise.all(processes.map((p) => p.exited()));
    await receiver.close();
    await h?.close();
  });

  const instance = async () => {
    const started = await startServerProcess({ ...ENV, DATABASE_URL: h.database.url, WORKERS: "1" }, 60_000);
    processes.push(started);
    return started;
  };

  it("SIGKILLed while the receiver holds its request: a second process delivers the same message after the lease", async () => {
    const url = await receiver.listen();
    receiver.answer = (n) => (n === 1 ? "hang" : { status: 200 });
    const owner = await newUser(h, "killed-owner");
    const company = await createCompany(h.app, owner, `killed-${Date.now()}`);
    const created = await h.app.inject({
      method: "POST",
      url: `/api/v1/companies/${company.id}/webhooks`,
      headers: owner.headers,
      payload: { url, eventTypes: ["company.updated"] },
    });
    assert.equal(created.statusCode, 201, created.body);
    receiver.trust(created.json<{ secret: string }>().secret);

    const first = await instance();
    const renamed = await h.app.inject({
      method: "PATCH",
      url: `/api/v1/companies/${company.id}`,
      headers: owner.headers,
      payload: { name: "Before the kill" },
    });
    assert.equal(renamed.statusCode, 200);
    await waitFor(() => receiver.attempts.length === 1, 15_000, "the first process's attempt in flight");
    const row = () =>
      h.database.handle.db
        .selectFrom("webhook_deliveries")
        .selectAll()
        .where("company_id", "=", company.id)
        .executeTakeFirstOrThrow();
    assert.ok((await row()).claim_token, "the message is leased by the first process");

    first.child.kill("SIGKILL");
    assert.equal(await first.exited(), "SIGKILL");
    const killedAt = Date.now();
    const held = await row();
    assert.equal(held.status, "pending", "nothing recorded by the killed process");

    await instance();
    await waitFor(() => receiver.requests.length >= 1, 30_000, "the message delivered by the second process");
    const [attempt1, attempt2] = receiver.attempts;
    assert.ok(attempt1 && attempt2);
    assert.equal(attempt2.id, attempt1.id, "the same message (webhook-id): the receiver deduplicates by it");
    assert.ok(
      attempt2.at - attempt1.at >= LEASE_MS - 50,
      `not before the lease ran out (${attempt2.at - attempt1.at} ms)`,
    );
    assert.ok(attempt2.at >= killedAt, "by the second process, after the first was dead");
    assert.deepEqual(receiver.badSignatures, [], "signed with the endpoint's secret, opened by the other process");
    await waitFor(async () => (await row()).status === "succeeded", 10_000, "recorded as succeeded");
    const done = await row();
    assert.equal(done.attempts, 2);
    assert.equal(done.last_status_code, 200);
    assert.equal(new Set(receiver.requests.map((m) => m.id)).size, 1, "one message in effect");
  });
});
