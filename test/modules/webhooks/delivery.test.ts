import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, before, describe, it } from "node:test";
import { enginesUnderTest } from "../../helpers/database.ts";
import { type IdentityHarness, identityHarness } from "../../helpers/identity.ts";
import { createCompany, joinDirectly, newUser, type SignedIn } from "../../helpers/tenancy.ts";
import { waitFor } from "../../helpers/wait.ts";
import { WebhookReceiver } from "../../helpers/webhook-receiver.ts";

const BASE_MS = 200;
const ENV = {
  WEBHOOKS_ALLOW_PRIVATE: "true",
  WEBHOOKS_POLL_MS: "50",
  WEBHOOKS_RETRY_BASE_MS: String(BASE_MS),
  WEBHOOKS_RETRY_MAX_DELAY_MS: "2000",
  // Long enough for the retry scenario (about 3.5 s of waits) on a loaded machine.
  WEBHOOKS_RETRY_WINDOW_MS: "8000",
  WEBHOOKS_DISABLE_AFTER_FAILURES: "1",
  WEBHOOKS_TIMEOUT_MS: "2000",
  WEBHOOKS_LEASE_MS: "5000",
};

/** A loopback port nothing listens on: connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

for (const engine of await enginesUnderTest()) {
  describe(`webhook delivery (${engine.engine})`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    let owner: SignedIn;
    before(async () => {
      h = await identityHarness(engine, ENV);
      owner = await newUser(h, "hook-owner");
    });
    after(() => h.close());

    async function addEndpoint(companyId: string, url: string, eventTypes = ["*"]) {
      const res = await h.app.inject({
        method: "POST",
        url: `/api/v1/companies/${companyId}/webhooks`,
        headers: owner.headers,
        payload: { url, eventTypes, description: "test receiver" },
      });
      assert.equal(res.statusCode, 201, res.body);
      return res.json() as { id: string; secret: string };
    }

    const outboxTypes = async (companyId: string) =>
      (
        await h.database.handle.db
          .selectFrom("event_outbox")
          .select(["id", "type", "seq"])
          .where("company_id", "=", companyId)
          .orderBy("seq")
          .execute()
      ).map((e) => ({ id: `msg_${e.id}`, type: e.type }));

    it("delivers every event of a scripted scenario, signed (verified by standardwebhooks), in order per company", async () => {
      const receiver = new WebhookReceiver();
      const url = await receiver.listen();
      try {
        const company = await createCompany(h.app, owner, `hooks-${Date.now()}`);
        const endpoint = await addEndpoint(company.id, url);
        assert.match(endpoint.secret, /^whsec_[A-Za-z0-9+/]+=*$/);
        const stored = await h.database.handle.db
          .selectFrom("webhook_endpoints")
          .selectAll()
          .where("id", "=", endpoint.id)
          .executeTakeFirstOrThrow();
        assert.ok(!JSON.stringify(stored).includes(endpoint.secret.slice(6)), "the secret is stored sealed");
        const shown = await h.app.inject({ url: `/api/v1/companies/${company.id}/webhooks`, headers: owner.headers });
        assert.ok(!shown.body.includes(endpoint.secret.slice(6)), "and never listed");
        receiver.trust(endpoint.secret);
        const member = await newUser(h, "hook-member");
        await joinDirectly(h, company.id, member, "member");
        const call = (method: "POST" | "PATCH" | "DELETE", path: string, payload?: object) =>
          h.app.inject({ method, url: `/api/v1/companies/${company.id}${path}`, headers: owner.headers, payload });
        assert.equal((await call("PATCH", "", { name: "Renamed" })).statusCode, 200);
        assert.ok((await call("PATCH", `/members/${member.userId}`, { role: "manager" })).statusCode < 300);
        const key = (await call("POST", "/api-keys", { name: "ci", scopes: ["company:read"] })).json() as {
          id: string;
        };
        assert.equal((await call("DELETE", `/api-keys/${key.id}`)).statusCode, 204);
        // A refused change (the last owner cannot be demoted) rolls back: no event for it.
        const before = (await outboxTypes(company.id)).length;
        assert.equal((await call("PATCH", `/members/${owner.userId}`, { role: "member" })).statusCode >= 400, true);
        assert.equal((await outboxTypes(company.id)).length, before, "no event for a rolled-back change");
        assert.equal((await call("DELETE", `/members/${member.userId}`)).statusCode, 204);

        const all = await outboxTypes(company.id);
        // Events from the endpoint's creation on (company.created came before it).
        const expected = all.slice(all.findIndex((e) => e.type === "webhook_endpoint.created"));
        assert.deepEqual(
          all.map((e) => e.type),
          [
            "company.created",
            "webhook_endpoint.created",
            "company.updated",
            "member.role_changed",
            "api_key.created",
            "api_key.revoked",
            "member.removed",
          ],
        );
        await waitFor(() => receiver.unique().length >= expected.length, 15_000, "every event delivered");
        assert.deepEqual(receiver.badSignatures, [], "every signature verifies");
        assert.deepEqual(
          receiver.unique().map((m) => ({ id: m.id, type: m.type })),
          expected,
          "each event once (by webhook-id), in the company's order",
        );
        const deliveries = () =>
          h.app.inject({
            url: `/api/v1/companies/${company.id}/webhooks/${endpoint.id}/deliveries`,
            headers: owner.headers,
          });
        // The receiver has the last message a moment before the worker records its answer.
        await waitFor(
          async () => (await deliveries()).json().items.every((d: { status: string }) => d.status !== "pending"),
          10_000,
          "every delivery recorded",
        );
        const list = await deliveries();
        assert.equal(list.statusCode, 200, list.body);
        const items = list.json().items as { status: string; responseStatus: number; latencyMs: number }[];
        assert.equal(items.length, expected.length);
        for (const item of items) {
          assert.equal(item.status, "succeeded");
          assert.equal(item.responseStatus, 204);
          assert.ok(item.latencyMs >= 0);
        }
        // Newest first, two at a time: the cursor walks down the ids, each delivery once.
        const walked: string[] = [];
        let cursor: string | null = null;
        do {
          const path: string = `/api/v1/companies/${company.id}/webhooks/${endpoint.id}/deliveries?limit=2${cursor ? `&cursor=${cursor}` : ""}`;
          const page = await h.app.inject({ url: path, headers: owner.headers });
          assert.equal(page.statusCode, 200, page.body);
          walked.push(...page.json().items.map((d: { id: string }) => d.id));
          cursor = page.json().nextCursor;
        } while (cursor !== null);
        assert.deepEqual(
          walked,
          list.json().items.map((d: { id: string }) => d.id),
          "the pages make up the whole list, in its order",
        );
        assert.deepEqual(walked, [...walked].sort().reverse(), "newest (highest id) first");
      } finally {
        await receiver.close();
      }
    });

    it("a rotated secret: the new one signs at once, the previous one too during the overlap", async () => {
      const company = await createCompany(h.app, owner, `rotate-${Date.now()}`);
      const oldOnly = new WebhookReceiver();
      const url = await oldOnly.listen();
      try {
        const endpoint = await addEndpoint(company.id, url, ["company.updated"]);
        oldOnly.trust(endpoint.secret);
        const rotated = await h.app.inject({
          method: "POST",
          url: `/api/v1/companies/${company.id}/webhooks/${endpoint.id}/rotate-secret`,
          headers: owner.headers,
        });
        assert.equal(rotated.statusCode, 200, rotated.body);
        const { secret, previousSecretExpiresAt } = rotated.json() as {
          secret: string;
          previousSecretExpiresAt: string;
        };
        assert.notEqual(secret, endpoint.secret);
        assert.ok(Date.parse(previousSecretExpiresAt) > Date.now());
        await h.app.inject({
          method: "PATCH",
          url: `/api/v1/companies/${company.id}`,
          headers: owner.headers,
          payload: { name: "Rotated" },
        });
        await waitFor(() => oldOnly.requests.length >= 1, 10_000, "delivery signed with the old secret too");
        const message = oldOnly.requests[0];
        assert.ok(message);
        const signatures = String(message.headers["webhook-signature"]).split(" ");
        assert.equal(signatures.length, 2, "both secrets sign during the overlap");
        const { Webhook } = await import("standardwebhooks");
        assert.doesNotThrow(() => new Webhook(secret).verify(message.body, message.headers as Record<string, string>));
      } finally {
        await oldOnly.close();
      }
    });

    it("receiver down, then 500, then 429 with Retry-After, then up: the event arrives, the schedule observed", async () => {
      const receiver = new WebhookReceiver();
      const url = await receiver.listen();
      receiver.answer = (n) =>
        n <= 2
          ? "reset"
          : n === 3
            ? { status: 500 }
            : n === 4
              ? { status: 429, headers: { "retry-after": "1" } }
              : { status: 200 };
      try {
        const company = await createCompany(h.app, owner, `retry-${Date.now()}`);
        const endpoint = await addEndpoint(company.id, url, ["company.updated"]);
        receiver.trust(endpoint.secret);
        await h.app.inject({
          method: "PATCH",
          url: `/api/v1/companies/${company.id}`,
          headers: owner.headers,
          payload: { name: "Retried" },
        });
        await waitFor(() => receiver.requests.length >= 1, 15_000, "the event after the retries");
        const times = receiver.attempts.map((a) => a.at);
        assert.deepEqual(
          receiver.attempts.map((a) => a.answer),
          ["reset", "reset", "500", "429", "200"],
        );
        const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
        // Exponential from the base (jitter only adds), and Retry-After: 1 honoured after the 429.
        for (const [i, gap] of gaps.entries()) {
          const minimum = i === 3 ? Math.max(1000, BASE_MS * 2 ** i) : BASE_MS * 2 ** i;
          assert.ok(gap >= minimum - 25, `gap ${i + 1} was ${gap} ms, at least ${minimum} expected`);
        }
        const latest = async () =>
          (
            await h.app.inject({
              url: `/api/v1/companies/${company.id}/webhooks/${endpoint.id}/deliveries`,
              headers: owner.headers,
            })
          ).json().items[0] as { status: string; attempts: number };
        await waitFor(async () => (await latest()).status !== "pending", 10_000, "the delivery recorded");
        const delivery = await latest();
        assert.equal(delivery?.status, "succeeded");
        assert.equal(delivery?.attempts, 5);
      } finally {
        await receiver.close();
      }
    });

    it("receiver really down (connections refused), then 429 with a Retry-After longer than the backoff, then up: Retry-After decides the wait", async () => {
      // Nothing listens on the endpoint's port at first: the attempts are refused, as for a
      // receiver that is down (the test above drops accepted connections instead).
      const port = await closedPort();
      const company = await createCompany(h.app, owner, `down-then-up-${Date.now()}`);
      const endpoint = await addEndpoint(company.id, `http://127.0.0.1:${port}/hooks`, ["company.updated"]);
      const row = () =>
        h.database.handle.db
          .selectFrom("webhook_deliveries")
          .selectAll()
          .where("endpoint_id", "=", endpoint.id)
          .executeTakeFirst();
      await h.app.inject({
        method: "PATCH",
        url: `/api/v1/companies/${company.id}`,
        headers: owner.headers,
        payload: { name: "Down, then up" },
      });
      // Two attempts made and their outcomes recorded (none in flight, which could still connect).
      await waitFor(
        async () => {
          const current = await row();
          return (current?.attempts ?? 0) >= 2 && current?.claim_token === null;
        },
        10_000,
        "two refused attempts",
      );
      const refused = await row();
      assert.match(refused?.last_error ?? "", /ECONNREFUSED/);
      assert.equal(refused?.status, "pending", "still retried");

      const receiver = new WebhookReceiver();
      receiver.trust(endpoint.secret);
      // Retry-After: 2 s, while the backoff after this attempt is at most BASE_MS·2^3·1.2 ≈ 1.9 s.
      receiver.answer = (n) => (n === 1 ? { status: 429, headers: { "retry-after": "2" } } : { status: 200 });
      await receiver.listen(port);
      try {
        await waitFor(() => receiver.requests.length >= 1, 15_000, "the event once the receiver is up");
        const [limited, accepted] = receiver.attempts;
        assert.ok(limited && accepted);
        assert.deepEqual([limited.answer, accepted.answer], ["429", "200"]);
        const gap = accepted.at - limited.at;
        assert.ok(gap >= 2000 - 25, `waited ${gap} ms after Retry-After: 2`);
        await waitFor(async () => (await row())?.status === "succeeded", 10_000, "recorded as succeeded");
        assert.ok(((await row())?.attempts ?? 0) >= 4, "the refused attempts count too");
        assert.deepEqual(receiver.badSignatures, []);
      } finally {
        await receiver.close();
      }
    });

    it("a receiver that never answers: the attempt times out after WEBHOOKS_TIMEOUT_MS and is retried, then delivered", async () => {
      const receiver = new WebhookReceiver();
      const url = await receiver.listen();
      receiver.answer = (n) => (n === 1 ? "hang" : { status: 200 });
      try {
        const company = await createCompany(h.app, owner, `timeout-${Date.now()}`);
        const endpoint = await addEndpoint(company.id, url, ["company.updated"]);
        receiver.trust(endpoint.secret);
        await h.app.inject({
          method: "PATCH",
          url: `/api/v1/companies/${company.id}`,
          headers: owner.headers,
          payload: { name: "Slow receiver" },
        });
        await waitFor(() => receiver.requests.length >= 1, 15_000, "the event after the timeout");
        const [hung, answered] = receiver.attempts;
        assert.ok(hung && answered);
        assert.equal(hung.id, answered.id, "the same message again");
        const gap = answered.at - hung.at;
        // The timeout (2 s) and then at least the first backoff.
        assert.ok(gap >= 2000 + BASE_MS - 25, `retried ${gap} ms after the hung attempt`);
        const deliveries = () =>
          h.app.inject({
            url: `/api/v1/companies/${company.id}/webhooks/${endpoint.id}/deliveries`,
            headers: owner.headers,
          });
        await waitFor(async () => (await deliveries()).json().items[0]?.status === "succeeded", 10_000, "recorded");
        assert.equal((await deliveries()).json().items[0]?.attempts, 2);
      } finally {
        await receiver.close();
      }
    });

    it("receiver never up: the message fails after the window, the endpoint is disabled, with an audit event", async () => {
      const company = await createCompany(h.app, owner, `down-${Date.now()}`);
      const endpoint = await addEndpoint(company.id, `http://127.0.0.1:${await closedPort()}/hooks`, [
        "company.updated",
      ]);
      await h.app.inject({
        method: "PATCH",
        url: `/api/v1/companies/${company.id}`,
        headers: owner.headers,
        payload: { name: "Nobody listens" },
      });
      const get = () =>
        h.app.inject({ url: `/api/v1/companies/${company.id}/webhooks/${endpoint.id}`, headers: owner.headers });
      await waitFor(async () => (await get()).json().status === "disabled", 30_000, "the endpoint disabled");
      assert.match((await get()).json().disabledReason, /failed/);
      const deliveries = await h.app.inject({
        url: `/api/v1/companies/${company.id}/webhooks/${endpoint.id}/deliveries`,
        headers: owner.headers,
      });
      const [delivery] = deliveries.json().items as { status: string; attempts: number; lastError: string }[];
      assert.equal(delivery?.status, "failed");
      assert.ok((delivery?.attempts ?? 0) >= 3, "retried before giving up");
      assert.match(delivery?.lastError ?? "", /ECONNREFUSED/);
      const audit = await h.app.inject({
        url: `/api/v1/companies/${company.id}/audit-events?action=webhook_endpoint.disabled`,
        headers: owner.headers,
      });
      assert.equal(audit.statusCode, 200, audit.body);
      const events = audit.json().items as { action: string; target: { id: string } }[];
      assert.ok(events.some((e) => e.action === "webhook_endpoint.disabled" && e.target.id === endpoint.id));

      // Redelivery starts the message over (a fresh window) once the endpoint is back.
      const receiver = new WebhookReceiver();
      const url = await receiver.listen();
      try {
        receiver.trust(endpoint.secret);
        const patched = await h.app.inject({
          method: "PATCH",
          url: `/api/v1/companies/${company.id}/webhooks/${endpoint.id}`,
          headers: owner.headers,
          payload: { url, enabled: true },
        });
        assert.equal(patched.statusCode, 200, patched.body);
        const again = await h.app.inject({
          method: "POST",
          url: `/api/v1/companies/${company.id}/webhooks/${endpoint.id}/deliveries/${deliveries.json().items[0].id}/redeliver`,
          headers: owner.headers,
        });
        assert.equal(again.statusCode, 202, again.body);
        await waitFor(
          () => receiver.requests.some((m) => m.type === "company.updated"),
          10_000,
          "the redelivered event",
        );
      } finally {
        await receiver.close();
      }
    });

    it("a removed member's endpoint stops receiving, like their API keys", async () => {
      const company = await createCompany(h.app, owner, `creator-${Date.now()}`);
      const admin = await newUser(h, "hook-admin");
      await joinDirectly(h, company.id, admin, "admin");
      const receiver = new WebhookReceiver();
      const url = await receiver.listen();
      try {
        const created = await h.app.inject({
          method: "POST",
          url: `/api/v1/companies/${company.id}/webhooks`,
          headers: admin.headers,
          payload: { url, eventTypes: ["company.updated"] },
        });
        assert.equal(created.statusCode, 201, created.body);
        const endpoint = created.json() as { id: string; secret: string };
        receiver.trust(endpoint.secret);
        const rename = (name: string) =>
          h.app.inject({
            method: "PATCH",
            url: `/api/v1/companies/${company.id}`,
            headers: owner.headers,
            payload: { name },
          });
        await rename("While admin");
        await waitFor(() => receiver.requests.length === 1, 10_000, "the first event");
        const removed = await h.app.inject({
          method: "DELETE",
          url: `/api/v1/companies/${company.id}/members/${admin.userId}`,
          headers: owner.headers,
        });
        assert.equal(removed.statusCode, 204);
        await rename("After removal");
        const list = () =>
          h.app.inject({
            url: `/api/v1/companies/${company.id}/webhooks/${endpoint.id}/deliveries`,
            headers: owner.headers,
          });
        await waitFor(
          async () => (list().then((r) => r.json().items[0]?.status) as Promise<string>).then((s) => s === "cancelled"),
          10_000,
          "the second delivery cancelled",
        );
        assert.equal(receiver.requests.length, 1, "nothing sent after the creator's removal");
      } finally {
        await receiver.close();
      }
    });
  });
}
