import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { enginesUnderTest } from "../../helpers/database.ts";
import { bearer, type IdentityHarness, identityHarness, signedInUser } from "../../helpers/identity.ts";

for (const engine of await enginesUnderTest()) {
  describe(`identity: password reset on ${engine.engine}`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    before(async () => {
      h = await identityHarness(engine);
    });
    after(() => h?.close());

    it("password reset is single-use, ends every session, and the new password works", async () => {
      const { accessToken } = await signedInUser(h, "reset@example.com");
      const forgot = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/password/forgot",
        payload: { email: "reset@example.com" },
      });
      assert.equal(forgot.statusCode, 202);
      const unknown = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/password/forgot",
        payload: { email: "nobody@x.org" },
      });
      assert.equal(unknown.statusCode, 202);
      const token = h.linkToken("reset@example.com");
      const reset = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/password/reset",
        payload: { token, password: "a-brand-new-passphrase-7" },
      });
      assert.equal(reset.statusCode, 204);
      assert.equal((await h.app.inject({ url: "/api/v1/users/me", headers: bearer(accessToken) })).statusCode, 401);
      const again = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/password/reset",
        payload: { token, password: "yet-another-passphrase-8" },
      });
      assert.equal(again.statusCode, 422);
      const login = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { email: "reset@example.com", password: "a-brand-new-passphrase-7" },
      });
      assert.equal(login.statusCode, 200);
    });

    it("an expired reset link is refused", async () => {
      await signedInUser(h, "expired@example.com");
      await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/password/forgot",
        payload: { email: "expired@example.com" },
      });
      const token = h.linkToken("expired@example.com");
      h.clock.advance(3601);
      const res = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/password/reset",
        payload: { token, password: "a-brand-new-passphrase-7" },
      });
      assert.equal(res.statusCode, 422);
    });

    const reset = (token: string, password: string) =>
      h.app.inject({ method: "POST", url: "/api/v1/auth/password/reset", payload: { token, password } });

    it("a weak password is refused without spending the link; a strong one then works once", async () => {
      const email = "weak-reset@example.com";
      await signedInUser(h, email);
      await h.app.inject({ method: "POST", url: "/api/v1/auth/password/forgot", payload: { email } });
      const token = h.linkToken(email);

      const weak = await reset(token, "short");
      assert.equal(weak.statusCode, 422);
      assert.equal(weak.json().code, "auth.weak_password");
      const link = await h.database.handle.db
        .selectFrom("email_tokens")
        .select("used_at")
        .where("purpose", "=", "reset_password")
        .orderBy("created_at", "desc")
        .executeTakeFirstOrThrow();
      assert.equal(link.used_at, null, "the refused attempt left the link unspent");

      const strong = await reset(token, "amber-quarry-whistle-77");
      assert.equal(strong.statusCode, 204, strong.body);
      const again = await reset(token, "amber-quarry-whistle-78");
      assert.equal(again.statusCode, 422);
      assert.equal(again.json().code, "auth.invalid_link", "still single-use");
    });
  });
}
