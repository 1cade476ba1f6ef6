import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { enginesUnderTest } from "../../helpers/database.ts";
import { bearer, type IdentityHarness, identityHarness, signedInUser } from "../../helpers/identity.ts";

// The lifetimes the server enforces, not the ones it advertises (expiresIn, the cookie's
// Max-Age): a token one step inside its lifetime works, one step outside is refused.
const DAY_S = 24 * 60 * 60;

for (const engine of await enginesUnderTest()) {
  describe(`token lifetimes on ${engine.engine}`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    before(async () => {
      h = await identityHarness(engine);
    });
    after(() => h?.close());

    const me = (token: string) => h.app.inject({ url: "/api/v1/users/me", headers: bearer(token) });
    const refresh = (refreshToken: string) =>
      h.app.inject({ method: "POST", url: "/api/v1/auth/refresh", payload: { refreshToken } });

    it("the server accepts an access token for 15 minutes and refuses it after", async () => {
      const young = await signedInUser(h, "young-access@example.com");
      h.clock.advance(14 * 60 + 50);
      assert.equal((await me(young.accessToken)).statusCode, 200, "14 min 50 s old");
      const old = await signedInUser(h, "old-access@example.com");
      h.clock.advance(15 * 60 + 10);
      const res = await me(old.accessToken);
      assert.equal(res.statusCode, 401, "15 min 10 s old (past the 5 s clock tolerance)");
      assert.match(String(res.headers["www-authenticate"]), /invalid_token/);
    });

    it("the server refreshes with a token 29 days 23 hours old and refuses one 30 days and a minute old, or 31 days", async () => {
      const young = await signedInUser(h, "young-refresh@example.com");
      const old = await signedInUser(h, "old-refresh@example.com");
      const older = await signedInUser(h, "older-refresh@example.com");
      h.clock.advance(30 * DAY_S - 60 * 60);
      assert.equal((await refresh(young.refreshToken)).statusCode, 200, "29 days 23 h old");
      h.clock.advance(60 * 60 + 60);
      const refused = await refresh(old.refreshToken);
      assert.equal(refused.statusCode, 401, "30 days and a minute old");
      assert.equal(refused.headers["content-type"], "application/problem+json; charset=utf-8");
      h.clock.advance(DAY_S);
      assert.equal((await refresh(older.refreshToken)).statusCode, 401, "31 days old");
    });
  });
}
