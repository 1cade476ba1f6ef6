import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { enginesUnderTest } from "../../helpers/database.ts";
import { type IdentityHarness, identityHarness, signedInUser } from "../../helpers/identity.ts";

for (const engine of await enginesUnderTest()) {
  describe(`password reset links (${engine.engine})`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    before(async () => {
      h = await identityHarness(engine);
    });
    after(() => h?.close());

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
