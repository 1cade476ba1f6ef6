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
  STRONG_PASSWORD,
  signedInUser,
} from "../../helpers/identity.ts";

for (const engine of await enginesUnderTest()) {
  describe(`identity: sessions on ${engine.engine}`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    before(async () => {
      h = await identityHarness(engine);
    });
    after(() => h?.close());

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
