import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { enginesUnderTest } from "../../helpers/database.ts";
import { type IdentityHarness, identityHarness, register } from "../../helpers/identity.ts";

for (const engine of await enginesUnderTest()) {
  describe(`identity: registration on ${engine.engine}`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    before(async () => {
      h = await identityHarness(engine);
    });
    after(() => h?.close());

    it("registers, verifies the address from the outbox mail, and signs in", async () => {
      const res = await register(h.app, "Grace@Example.com");
      assert.equal(res.statusCode, 201);
      assert.deepEqual(res.json(), { email: "grace@example.com", status: "verification_sent" });
      const verified = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/verify-email",
        payload: { token: h.linkToken("grace@example.com") },
      });
      assert.equal(verified.statusCode, 200);
      assert.equal(verified.json().emailVerified, true);
      const reused = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/verify-email",
        payload: { token: h.linkToken("grace@example.com") },
      });
      assert.equal(reused.statusCode, 422, "verification links are single-use");
    });

    it("answers a second registration of the same address identically and mails a notice, not a link", async () => {
      await register(h.app, "twice@example.com");
      const mailsBefore = h.mails().length;
      const again = await register(h.app, "twice@example.com", "another-long-passphrase-9");
      assert.equal(again.statusCode, 201);
      assert.deepEqual(again.json(), { email: "twice@example.com", status: "verification_sent" });
      const notice = h.mails().slice(mailsBefore).join("\n");
      assert.match(notice, /twice@example\.com/);
      assert.doesNotMatch(notice, /verify-email\?token=/);
    });

    it("rejects weak passwords with field-level 422 errors", async () => {
      const res = await register(h.app, "weak@example.com", "password");
      assert.equal(res.statusCode, 422);
      assert.ok(res.json().errors.some((e: { path: string }) => e.path === "/body/password"));
    });
  });
}
