import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { enginesUnderTest } from "../../helpers/database.ts";
import {
  bearer,
  type IdentityHarness,
  identityHarness,
  STRONG_PASSWORD,
  signedInUser,
} from "../../helpers/identity.ts";

for (const engine of await enginesUnderTest()) {
  describe(`identity: the account on ${engine.engine}`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    before(async () => {
      h = await identityHarness(engine);
    });
    after(() => h?.close());

    it("password change needs the current password and ends every other session", async () => {
      const first = await signedInUser(h, "change@example.com");
      const second = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { email: "change@example.com", password: STRONG_PASSWORD, clientType: "native" },
      });
      const other = second.json().accessToken;
      const wrong = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/password/change",
        headers: bearer(first.accessToken),
        payload: { currentPassword: "nope-nope-nope", newPassword: "fresh-lantern-harbour-77" },
      });
      assert.equal(wrong.statusCode, 422);
      const ok = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/password/change",
        headers: bearer(first.accessToken),
        payload: { currentPassword: STRONG_PASSWORD, newPassword: "fresh-lantern-harbour-77" },
      });
      assert.equal(ok.statusCode, 204);
      assert.equal(
        (await h.app.inject({ url: "/api/v1/users/me", headers: bearer(first.accessToken) })).statusCode,
        200,
      );
      assert.equal((await h.app.inject({ url: "/api/v1/users/me", headers: bearer(other) })).statusCode, 401);
    });

    it("updates the name, exports own data, and deletes the account with the password", async () => {
      const a = await signedInUser(h, "delete@example.com");
      const patched = await h.app.inject({
        method: "PATCH",
        url: "/api/v1/users/me",
        headers: bearer(a.accessToken),
        payload: { name: "Renamed" },
      });
      assert.equal(patched.json().name, "Renamed");
      const exported = await h.app.inject({ url: "/api/v1/users/me/export", headers: bearer(a.accessToken) });
      assert.equal(exported.statusCode, 200);
      assert.equal(exported.json().user.email, "delete@example.com");
      assert.ok(exported.json().sessions.length >= 1);
      const noPassword = await h.app.inject({
        method: "DELETE",
        url: "/api/v1/users/me",
        headers: bearer(a.accessToken),
        payload: { password: "wrong-password-zz" },
      });
      assert.equal(noPassword.statusCode, 422);
      const del = await h.app.inject({
        method: "DELETE",
        url: "/api/v1/users/me",
        headers: bearer(a.accessToken),
        payload: { password: STRONG_PASSWORD },
      });
      assert.equal(del.statusCode, 204);
      const row = await h.database.handle.db
        .selectFrom("users")
        .selectAll()
        .where("id", "=", a.userId)
        .executeTakeFirstOrThrow();
      assert.equal(row.status, "deleted");
      assert.notEqual(row.email, "delete@example.com", "personal data scrubbed");
      assert.equal(row.password_hash, null);
      const login = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { email: "delete@example.com", password: STRONG_PASSWORD },
      });
      assert.equal(login.statusCode, 401);
    });
  });
}
