import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import bcrypt from "bcryptjs";
import { newId } from "../../../src/platform/db/ids.ts";
import { enginesUnderTest } from "../../helpers/database.ts";
import {
  bearer,
  type IdentityHarness,
  identityHarness,
  ORIGIN,
  register,
  STRONG_PASSWORD,
  signedInUser,
} from "../../helpers/identity.ts";

for (const engine of await enginesUnderTest()) {
  describe(`identity flows on ${engine.engine}`, { skip: engine.skip }, () => {
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

    it("login sets an HttpOnly, Secure, SameSite=Strict refresh cookie scoped to /api/v1/auth", async () => {
      await signedInUser(h, "cookie@example.com");
      const res = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { email: "cookie@example.com", password: STRONG_PASSWORD },
      });
      assert.equal(res.statusCode, 200);
      const body = res.json();
      assert.equal(body.tokenType, "Bearer");
      assert.equal(body.refreshToken, undefined, "browsers never see the refresh token");
      const cookie = String(res.headers["set-cookie"]);
      for (const attr of ["rampart_refresh=", "HttpOnly", "Secure", "SameSite=Strict", "Path=/api/v1/auth"]) {
        assert.ok(cookie.includes(attr), `${attr} in ${cookie}`);
      }
    });

    it("access tokens live 15 minutes and the refresh cookie 30 days by default", async () => {
      await signedInUser(h, "lifetimes@example.com");
      const res = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { email: "lifetimes@example.com", password: STRONG_PASSWORD },
      });
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().expiresIn, 900);
      assert.ok(String(res.headers["set-cookie"]).includes("Max-Age=2592000"), String(res.headers["set-cookie"]));
    });

    it("wrong password and unknown email give the same 401 problem", async () => {
      await signedInUser(h, "known@example.com");
      const wrong = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { email: "known@example.com", password: "not-the-password-1" },
      });
      const unknown = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { email: "nobody@example.com", password: "not-the-password-1" },
      });
      assert.equal(wrong.statusCode, 401);
      assert.equal(unknown.statusCode, 401);
      const strip = (b: Record<string, unknown>) => ({ ...b, requestId: undefined });
      assert.deepEqual(strip(wrong.json()), strip(unknown.json()));
    });

    it("a bearer token reaches /users/me; none or a bad one gets 401 with WWW-Authenticate", async () => {
      const { accessToken } = await signedInUser(h, "me@example.com");
      const me = await h.app.inject({ url: "/api/v1/users/me", headers: bearer(accessToken) });
      assert.equal(me.statusCode, 200);
      assert.equal(me.json().email, "me@example.com");
      const none = await h.app.inject({ url: "/api/v1/users/me" });
      assert.equal(none.statusCode, 401);
      assert.match(String(none.headers["www-authenticate"]), /^Bearer/);
      const bad = await h.app.inject({ url: "/api/v1/users/me", headers: bearer(`${accessToken}x`) });
      assert.equal(bad.statusCode, 401);
    });

    it("rotates refresh tokens; two tabs within the grace get the same successor", async () => {
      const { refreshToken } = await signedInUser(h, "rotate@example.com");
      const first = await h.app.inject({ method: "POST", url: "/api/v1/auth/refresh", payload: { refreshToken } });
      assert.equal(first.statusCode, 200);
      const successor = first.json().refreshToken;
      assert.ok(successor && successor !== refreshToken);
      const secondTab = await h.app.inject({ method: "POST", url: "/api/v1/auth/refresh", payload: { refreshToken } });
      assert.equal(secondTab.statusCode, 200);
      assert.equal(secondTab.json().refreshToken, successor);
      const next = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/refresh",
        payload: { refreshToken: successor },
      });
      assert.equal(next.statusCode, 200);
    });

    it("replaying a rotated token after the grace revokes the whole session", async () => {
      const { refreshToken, accessToken } = await signedInUser(h, "replay@example.com");
      const rotated = await h.app.inject({ method: "POST", url: "/api/v1/auth/refresh", payload: { refreshToken } });
      const successor = rotated.json().refreshToken;
      h.clock.advance(11);
      const replay = await h.app.inject({ method: "POST", url: "/api/v1/auth/refresh", payload: { refreshToken } });
      assert.equal(replay.statusCode, 401);
      assert.equal(replay.json().code, "auth.refresh_token_reused");
      const legit = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/refresh",
        payload: { refreshToken: successor },
      });
      assert.equal(legit.statusCode, 401, "the family is revoked");
      assert.equal((await h.app.inject({ url: "/api/v1/users/me", headers: bearer(accessToken) })).statusCode, 401);
      assert.ok(h.logs.lines().some((l) => l.securityEvent === "auth.refresh_token_reused"));
    });

    it("cookie refresh needs an allowed Origin (CSRF) and rotates the cookie", async () => {
      await signedInUser(h, "csrf@example.com");
      const login = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { email: "csrf@example.com", password: STRONG_PASSWORD },
      });
      const cookie = String(login.headers["set-cookie"]).split(";")[0] as string;
      const noOrigin = await h.app.inject({ method: "POST", url: "/api/v1/auth/refresh", headers: { cookie } });
      assert.equal(noOrigin.statusCode, 403);
      const evil = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/refresh",
        headers: { cookie, origin: "https://evil.example" },
      });
      assert.equal(evil.statusCode, 403);
      const ok = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/refresh",
        headers: { cookie, origin: ORIGIN },
      });
      assert.equal(ok.statusCode, 200);
      assert.ok(String(ok.headers["set-cookie"]).startsWith("rampart_refresh="));
      assert.notEqual(String(ok.headers["set-cookie"]).split(";")[0], cookie);
    });

    it("locks an account after 5 failures with Retry-After, known or unknown alike, doubling per lockout", async () => {
      await signedInUser(h, "lock@example.com");
      const attempt = (email: string, password: string) =>
        h.app.inject({ method: "POST", url: "/api/v1/auth/login", payload: { email, password } });
      for (const email of ["lock@example.com", "ghost@example.com"]) {
        for (let i = 0; i < 4; i++) assert.equal((await attempt(email, "wrong-password-xyz")).statusCode, 401);
        const fifth = await attempt(email, "wrong-password-xyz");
        assert.equal(fifth.headers["retry-after"], "60");
        const locked = await attempt(email, STRONG_PASSWORD);
        assert.equal(locked.statusCode, 401, "locked even with the right password");
        assert.ok(Number(locked.headers["retry-after"]) > 0);
      }
      h.clock.advance(61);
      assert.equal((await attempt("lock@example.com", STRONG_PASSWORD)).statusCode, 200);
      for (let i = 0; i < 4; i++) await attempt("ghost@example.com", "wrong-password-xyz");
      const second = await attempt("ghost@example.com", "wrong-password-xyz");
      assert.equal(second.headers["retry-after"], "120", "the second lockout lasts twice as long");
    });

    it("verifies a legacy bcrypt hash and upgrades it to argon2id on login", async () => {
      const now = new Date().toISOString();
      const id = newId();
      await h.database.handle.db
        .insertInto("users")
        .values({
          id,
          email: "legacy@example.com",
          email_verified_at: now,
          name: "Legacy",
          password_hash: bcrypt.hashSync(STRONG_PASSWORD, 10),
          platform_role: "user",
          status: "active",
          created_at: now,
          updated_at: now,
          deleted_at: null,
        })
        .execute();
      const res = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { email: "legacy@example.com", password: STRONG_PASSWORD },
      });
      assert.equal(res.statusCode, 200);
      const row = await h.database.handle.db
        .selectFrom("users")
        .select("password_hash")
        .where("id", "=", id)
        .executeTakeFirstOrThrow();
      assert.match(String(row.password_hash), /^\$argon2id\$/);
    });

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

    it("lists own sessions and revokes one; another user's session is a 404", async () => {
      const a = await signedInUser(h, "sessions-a@example.com");
      const b = await signedInUser(h, "sessions-b@example.com");
      const list = await h.app.inject({ url: "/api/v1/auth/sessions", headers: bearer(a.accessToken) });
      assert.equal(list.statusCode, 200);
      const items = list.json().items as { id: string; current: boolean }[];
      assert.equal(items.filter((s) => s.current).length, 1);
      const bSessions = (await h.app.inject({ url: "/api/v1/auth/sessions", headers: bearer(b.accessToken) })).json()
        .items;
      const foreign = await h.app.inject({
        method: "DELETE",
        url: `/api/v1/auth/sessions/${bSessions[0].id}`,
        headers: bearer(a.accessToken),
      });
      assert.equal(foreign.statusCode, 404);
      const own = await h.app.inject({
        method: "DELETE",
        url: `/api/v1/auth/sessions/${items[0]?.id}`,
        headers: bearer(a.accessToken),
      });
      assert.equal(own.statusCode, 204);
    });

    it("logout ends this session; logout-all ends all", async () => {
      const a = await signedInUser(h, "logout@example.com");
      assert.equal(
        (await h.app.inject({ method: "POST", url: "/api/v1/auth/logout", headers: bearer(a.accessToken) })).statusCode,
        204,
      );
      assert.equal((await h.app.inject({ url: "/api/v1/users/me", headers: bearer(a.accessToken) })).statusCode, 401);
      const refresh = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/refresh",
        payload: { refreshToken: a.refreshToken },
      });
      assert.equal(refresh.statusCode, 401);
      const b = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { email: "logout@example.com", password: STRONG_PASSWORD, clientType: "native" },
      });
      const c = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { email: "logout@example.com", password: STRONG_PASSWORD, clientType: "native" },
      });
      const all = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/logout-all",
        headers: bearer(b.json().accessToken),
      });
      assert.equal(all.statusCode, 204);
      assert.equal(
        (await h.app.inject({ url: "/api/v1/users/me", headers: bearer(c.json().accessToken) })).statusCode,
        401,
      );
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

    it("never logs a password, hash or token", async () => {
      const a = await signedInUser(h, "quiet@example.com");
      await h.app.inject({ method: "POST", url: "/api/v1/auth/refresh", payload: { refreshToken: a.refreshToken } });
      const text = h.logs.text();
      for (const secret of [STRONG_PASSWORD, a.accessToken, a.refreshToken, "$argon2id$"]) {
        assert.ok(!text.includes(secret), `log contains ${secret.slice(0, 12)}…`);
      }
    });
  });
}
