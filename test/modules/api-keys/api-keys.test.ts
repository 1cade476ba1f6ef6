import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { enginesUnderTest } from "../../helpers/database.ts";
import { type IdentityHarness, identityHarness } from "../../helpers/identity.ts";
import { createCompany, newUser, type SignedIn } from "../../helpers/tenancy.ts";

for (const engine of await enginesUnderTest()) {
  describe(`API keys (${engine.engine})`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    let owner: SignedIn;
    let companyA: { id: string };
    let companyB: { id: string };
    before(async () => {
      h = await identityHarness(engine);
      owner = await newUser(h, "owner");
      companyA = await createCompany(h.app, owner, "keys-a");
      companyB = await createCompany(h.app, await newUser(h, "other"), "keys-b");
    });
    after(() => h.close());

    async function createKey(payload: object) {
      return h.app.inject({
        method: "POST",
        url: `/api/v1/companies/${companyA.id}/api-keys`,
        headers: owner.headers,
        payload,
      });
    }

    it("shows the secret once and stores only its prefix and a hash", async () => {
      const res = await createKey({ name: "CI", scopes: ["company:read"] });
      assert.equal(res.statusCode, 201, res.body);
      const created = res.json() as { id: string; key: string; prefix: string };
      assert.match(created.key, /^rk_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$/);
      assert.ok(created.key.startsWith(created.prefix));
      const secret = created.key.slice(created.prefix.length + 1);
      const row = await h.database.handle.db
        .selectFrom("api_keys")
        .selectAll()
        .where("id", "=", created.id)
        .executeTakeFirstOrThrow();
      assert.ok(!JSON.stringify(row).includes(secret), "the secret is not stored");
      const list = await h.app.inject({ url: `/api/v1/companies/${companyA.id}/api-keys`, headers: owner.headers });
      assert.equal(list.statusCode, 200);
      assert.ok(!list.body.includes(secret), "nor listed");
      assert.ok(list.json().items.some((k: { id: string }) => k.id === created.id));
    });

    it("acts only within its company and scopes, by Bearer or X-API-Key", async () => {
      const { key } = (await createKey({ name: "reader", scopes: ["company:read"] })).json() as { key: string };
      for (const headers of [{ authorization: `Bearer ${key}` }, { "x-api-key": key }]) {
        const read = await h.app.inject({ url: `/api/v1/companies/${companyA.id}`, headers });
        assert.equal(read.statusCode, 200, read.body);
        const write = await h.app.inject({
          method: "PATCH",
          url: `/api/v1/companies/${companyA.id}`,
          headers,
          payload: { name: "x" },
        });
        assert.equal(write.statusCode, 403);
        assert.equal(write.json().code, "access.denied");
        assert.equal((await h.app.inject({ url: `/api/v1/companies/${companyB.id}`, headers })).statusCode, 404);
        const me = await h.app.inject({ url: "/api/v1/users/me", headers });
        assert.equal(me.statusCode, 403);
        assert.equal(me.json().code, "access.user_required");
      }
      const lastUsed = await h.app.inject({ url: `/api/v1/companies/${companyA.id}/api-keys`, headers: owner.headers });
      const used = lastUsed.json().items.find((k: { name: string }) => k.name === "reader");
      assert.ok(used.lastUsedAt, "last use is recorded");
    });

    it("stops working on the next request once revoked, and a wrong secret never works", async () => {
      const created = (await createKey({ name: "temp", scopes: ["company:read"] })).json() as {
        id: string;
        key: string;
      };
      const headers = { "x-api-key": created.key };
      assert.equal((await h.app.inject({ url: `/api/v1/companies/${companyA.id}`, headers })).statusCode, 200);
      const forged = `${created.key.slice(0, -4)}AAAA`;
      const wrong = await h.app.inject({ url: `/api/v1/companies/${companyA.id}`, headers: { "x-api-key": forged } });
      assert.equal(wrong.statusCode, 401);
      assert.equal(wrong.json().code, "auth.invalid_api_key");
      const revoke = await h.app.inject({
        method: "DELETE",
        url: `/api/v1/companies/${companyA.id}/api-keys/${created.id}`,
        headers: owner.headers,
      });
      assert.equal(revoke.statusCode, 204);
      const after = await h.app.inject({ url: `/api/v1/companies/${companyA.id}`, headers });
      assert.equal(after.statusCode, 401);
      const again = await h.app.inject({
        method: "DELETE",
        url: `/api/v1/companies/${companyA.id}/api-keys/${created.id}`,
        headers: owner.headers,
      });
      assert.equal(again.statusCode, 404);
    });

    it("expires at its expiry time", async () => {
      const expiresAt = new Date(h.clock.now().getTime() + 3600_000).toISOString();
      const { key } = (await createKey({ name: "short", scopes: ["company:read"], expiresAt })).json() as {
        key: string;
      };
      const headers = { "x-api-key": key };
      assert.equal((await h.app.inject({ url: `/api/v1/companies/${companyA.id}`, headers })).statusCode, 200);
      h.clock.advance(3601);
      try {
        assert.equal((await h.app.inject({ url: `/api/v1/companies/${companyA.id}`, headers })).statusCode, 401);
      } finally {
        h.clock.advance(-3601);
      }
    });

    it("refuses scopes keys cannot hold, unknown scopes, past expiries and other companies' key ids", async () => {
      const forbidden = await createKey({ name: "x", scopes: ["members:remove"] });
      assert.equal(forbidden.statusCode, 422);
      assert.equal(forbidden.json().code, "api_key.scope_not_allowed");
      assert.equal((await createKey({ name: "x", scopes: ["root:everything"] })).statusCode, 422);
      assert.equal((await createKey({ name: "x", scopes: [] })).statusCode, 422);
      const past = await createKey({ name: "x", scopes: ["company:read"], expiresAt: "2001-01-01T00:00:00Z" });
      assert.equal(past.json().code, "api_key.expiry_in_past");
      const ownerB = await newUser(h, "owner-b");
      const companyC = await createCompany(h.app, ownerB, "keys-c");
      const foreign = await h.app.inject({
        method: "POST",
        url: `/api/v1/companies/${companyC.id}/api-keys`,
        headers: ownerB.headers,
        payload: { name: "c", scopes: ["company:read"] },
      });
      const revokeForeign = await h.app.inject({
        method: "DELETE",
        url: `/api/v1/companies/${companyA.id}/api-keys/${foreign.json().id}`,
        headers: owner.headers,
      });
      assert.equal(revokeForeign.statusCode, 404, "another company's key is not found through company A");
      const stillWorks = await h.app.inject({
        url: `/api/v1/companies/${companyC.id}`,
        headers: { "x-api-key": foreign.json().key },
      });
      assert.equal(stillWorks.statusCode, 200);
    });
  });
}
