import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { App } from "../../../src/app.ts";
import { sealedColumns } from "../../../src/modules/sealed-columns.ts";
import { resealColumns } from "../../../src/platform/crypto/sealed-columns.ts";
import { buildTestApp } from "../../helpers/app.ts";
import { enginesUnderTest } from "../../helpers/database.ts";
import { type IdentityHarness, identityHarness } from "../../helpers/identity.ts";
import { createCompany, newUser, type SignedIn } from "../../helpers/tenancy.ts";
import { waitFor } from "../../helpers/wait.ts";
import { WebhookReceiver } from "../../helpers/webhook-receiver.ts";

const OLD = "Ue4Rn7Wq1Zx8Mc5Lv2Ht9Bk6Yg3Dp0Sf-retired";
const NEW = "Vb7Qm2Xz9Lr4Tc8Nw1Hy6Pd3Kf5Gs0Ja-current";
const ENV = {
  WEBHOOKS_ALLOW_PRIVATE: "true",
  WEBHOOKS_POLL_MS: "30",
  WEBHOOKS_RETRY_BASE_MS: "100",
  WEBHOOKS_RETRY_MAX_DELAY_MS: "300",
  WEBHOOKS_TIMEOUT_MS: "1000",
  WEBHOOKS_LEASE_MS: "2500",
  ENABLE_RATE_LIMITING: "false",
};

for (const engine of await enginesUnderTest()) {
  describe(`ENCRYPTION_KEY rotation under live webhooks (${engine.engine})`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    let owner: SignedIn;
    const receiver = new WebhookReceiver();
    const apps: App[] = [];
    before(async () => {
      h = await identityHarness(engine, { ...ENV, ENCRYPTION_KEY: OLD });
      owner = await newUser(h, "rotation-owner");
    });
    after(async () => {
      for (const app of apps) await app.close();
      await receiver.close();
      await h.close();
    });

    /** Another instance of the app on the same database, with its own key configuration and worker. */
    async function instanceWith(keys: Record<string, string>): Promise<App> {
      const { app } = await buildTestApp({ ...ENV, ...keys }, { database: h.database.handle, clock: h.clock });
      await app.ready();
      apps.push(app);
      return app;
    }

    it("old key → new key with the old one previous → re-sealed → new key alone: every message signed with the endpoint's secrets; without the opening key a delivery waits, visibly", async () => {
      const url = await receiver.listen();
      const company = await createCompany(h.app, owner, `rotation-${Date.now()}`);
      const base = `/api/v1/companies/${company.id}`;
      const created = await h.app.inject({
        method: "POST",
        url: `${base}/webhooks`,
        headers: owner.headers,
        payload: { url, eventTypes: ["company.updated"] },
      });
      assert.equal(created.statusCode, 201, created.body);
      const endpoint = created.json<{ id: string; secret: string }>();
      // A secret rotation in its overlap: two sealed secrets on the row, both under the old key.
      const rotated = await h.app.inject({
        method: "POST",
        url: `${base}/webhooks/${endpoint.id}/rotate-secret`,
        headers: owner.headers,
      });
      assert.equal(rotated.statusCode, 200, rotated.body);
      const { secret } = rotated.json<{ secret: string }>();
      receiver.trust(secret);
      await h.app.webhookWorker.stop();

      const rename = (app: App, name: string) =>
        app.inject({ method: "PATCH", url: base, headers: owner.headers, payload: { name } });
      const signaturesOf = (index: number) =>
        String(receiver.requests[index]?.headers["webhook-signature"]).split(" ").length;

      // 1. New key deployed with the old one as previous: the old seals still open and sign.
      const during = await instanceWith({ ENCRYPTION_KEY: NEW, ENCRYPTION_KEYS_PREVIOUS: OLD });
      assert.equal((await rename(during, "During the rotation")).statusCode, 200);
      await waitFor(() => receiver.requests.length === 1, 10_000, "delivered during the rotation");
      assert.equal(signaturesOf(0), 2, "the current and the previous secret sign");
      await during.webhookWorker.stop();

      // 2. The old key dropped too early: nothing goes out unsigned, the delivery says why and retries.
      const early = await instanceWith({ ENCRYPTION_KEY: NEW });
      assert.equal((await rename(early, "Too early")).statusCode, 200);
      const deliveries = () =>
        early.inject({ url: `${base}/webhooks/${endpoint.id}/deliveries`, headers: owner.headers });
      await waitFor(
        async () =>
          (await deliveries())
            .json()
            .items.some((d: { lastError: string | null }) =>
              /cannot open this endpoint's signing secret/.test(d.lastError ?? ""),
            ),
        10_000,
        "the waiting delivery names the cause",
      );
      const waiting = (await deliveries()).json().items[0] as { status: string; lastError: string };
      assert.equal(waiting.status, "pending", "retried, not failed");
      assert.ok(!waiting.lastError.includes(NEW) && !waiting.lastError.includes(OLD));
      assert.equal(receiver.attempts.length, 1, "no request without a signature");
      await early.webhookWorker.stop();

      // 3. `rampart keys rotate-encryption`'s pass, then the new key alone delivers what waited, and more.
      const counts = await resealColumns(h.database.handle.db, [NEW, OLD], sealedColumns);
      assert.deepEqual(
        counts
          .filter((c) => c.column.startsWith("webhook_endpoints."))
          .map((c) => [c.column, c.resealed, c.unreadable]),
        [
          ["webhook_endpoints.secret_sealed", 1, 0],
          ["webhook_endpoints.previous_secret_sealed", 1, 0],
        ],
      );
      const after = await instanceWith({ ENCRYPTION_KEY: NEW });
      assert.equal((await rename(after, "After the rotation")).statusCode, 200);
      await waitFor(() => receiver.unique().length === 3, 15_000, "the waiting message and the new one");
      assert.deepEqual(
        receiver.badSignatures,
        [],
        "every signature verifies (standardwebhooks) with the endpoint's secret",
      );
      assert.equal(signaturesOf(2), 2, "both secrets still sign: the overlap survived the re-sealing");
    });
  });
}
