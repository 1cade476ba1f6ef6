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
import { claimsOf, codeFor, ticketFor, UA, userWithTotp, verifyMfa } from "../../helpers/mfa.ts";

for (const engine of await enginesUnderTest()) {
  describe(`identity: TOTP second factor on ${engine.engine}`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    before(async () => {
      h = await identityHarness(engine, { LOGIN_MAX_FAILURES: "8", MFA_TICKET_MAX_FAILURES: "3" });
    });
    after(() => h?.close());

    it("enrolment returns an otpauth:// URI and an SVG QR code, stores the seed sealed, and counts only once confirmed", async () => {
      const user = await signedInUser(h, "enrol@example.com");
      const enrol = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/factors/totp",
        headers: bearer(user.accessToken),
        payload: { name: "Phone" },
      });
      assert.equal(enrol.statusCode, 201, enrol.body);
      const body = enrol.json();
      assert.match(body.uri, /^otpauth:\/\/totp\/Rampart:enrol%40example\.com\?/);
      assert.ok(body.uri.includes(`secret=${body.secret}`));
      assert.match(body.qrSvg, /^<svg[\s\S]*<\/svg>\s*$/);
      const row = await h.database.handle.db
        .selectFrom("user_factors")
        .selectAll()
        .where("id", "=", body.id)
        .executeTakeFirstOrThrow();
      assert.ok(!row.secret_sealed.includes(body.secret), "the seed is not stored in the clear");
      assert.equal(row.confirmed_at, null);

      // Unconfirmed: the password alone still signs in.
      const login = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { email: "enrol@example.com", password: STRONG_PASSWORD, clientType: "native" },
      });
      assert.ok(login.json().accessToken, login.body);

      const wrong = await h.app.inject({
        method: "POST",
        url: `/api/v1/auth/factors/totp/${body.id}/confirm`,
        headers: bearer(user.accessToken),
        payload: { code: codeFor(h, body.secret, 5) },
      });
      assert.equal(wrong.statusCode, 422);
      assert.equal(wrong.json().code, "mfa.wrong_code");
      const confirm = await h.app.inject({
        method: "POST",
        url: `/api/v1/auth/factors/totp/${body.id}/confirm`,
        headers: bearer(user.accessToken),
        payload: { code: codeFor(h, body.secret) },
      });
      assert.equal(confirm.statusCode, 200, confirm.body);
      assert.equal(confirm.json().factor.confirmed, true);
      assert.equal(confirm.json().recoveryCodes.length, 10);
      const list = await h.app.inject({
        method: "GET",
        url: "/api/v1/auth/factors",
        headers: bearer(user.accessToken),
      });
      assert.equal(list.json().items.length, 1);
      assert.equal(list.json().recoveryCodesRemaining, 10);
    });

    it("a password sign-in of an enrolled account answers 200 mfaRequired with a ticket and no tokens", async () => {
      await userWithTotp(h, "ticket@example.com");
      const res = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        headers: { "user-agent": UA },
        payload: { email: "ticket@example.com", password: STRONG_PASSWORD },
      });
      assert.equal(res.statusCode, 200);
      const body = res.json();
      assert.deepEqual(Object.keys(body).sort(), ["expiresIn", "factors", "mfaRequired", "ticket"]);
      assert.deepEqual(body.factors.sort(), ["recovery_code", "totp"]);
      assert.equal(body.expiresIn, 300);
      const cookies = String(res.headers["set-cookie"]);
      assert.ok(!cookies.includes("rampart_refresh="), "no refresh cookie before the factor");
      assert.ok(cookies.includes("rampart_mfa=") && cookies.includes("Path=/api/v1/auth/mfa"), cookies);
    });

    it("the ticket and a current code complete the sign-in; tokens carry amr pwd+otp+mfa and auth_time; the ticket works once", async () => {
      const user = await userWithTotp(h, "complete@example.com");
      const { ticket } = await ticketFor(h, "complete@example.com");
      const res = await verifyMfa(h, { ticket, code: codeFor(h, user.secret) });
      assert.equal(res.statusCode, 200, res.body);
      const claims = claimsOf(res.json().accessToken);
      assert.deepEqual(claims.amr, ["pwd", "otp", "mfa"]);
      const nowS = h.clock.now().getTime() / 1000;
      assert.ok(typeof claims.auth_time === "number" && nowS - claims.auth_time < 5 && claims.auth_time <= nowS);
      const me = await h.app.inject({
        method: "GET",
        url: "/api/v1/users/me",
        headers: bearer(res.json().accessToken),
      });
      assert.equal(me.statusCode, 200);
      const again = await verifyMfa(h, { ticket, code: codeFor(h, user.secret, 1) });
      assert.equal(again.statusCode, 401);
      assert.equal(again.json().code, "mfa.invalid_ticket");

      // Refresh keeps how and when the session authenticated.
      h.clock.advance(120);
      const refreshed = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/refresh",
        payload: { refreshToken: res.json().refreshToken },
      });
      assert.equal(refreshed.statusCode, 200, refreshed.body);
      const after = claimsOf(refreshed.json().accessToken);
      assert.deepEqual(after.amr, ["pwd", "otp", "mfa"]);
      assert.equal(after.auth_time, claims.auth_time);
    });

    it("confirming a factor upgrades this session and ends every other session that never used one", async () => {
      const email = "sessions-enrol@example.com";
      const user = await userWithTotp(h, email);
      const refreshed = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/refresh",
        payload: { refreshToken: user.refreshToken },
      });
      assert.equal(refreshed.statusCode, 200, refreshed.body);
      assert.deepEqual(claimsOf(refreshed.json().accessToken).amr, ["pwd", "otp", "mfa"], "upgraded by the proof");

      const other = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        headers: { "user-agent": UA },
        payload: { email, password: STRONG_PASSWORD, clientType: "native" },
      });
      assert.equal(other.json().mfaRequired, true, "the password alone no longer starts a session");

      // A session from before second factors existed (no amr) is not extended by a refresh.
      const sid = claimsOf(refreshed.json().accessToken).sid as string;
      await h.database.handle.db.updateTable("sessions").set({ amr: null }).where("id", "=", sid).execute();
      const challenged = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/refresh",
        headers: { "user-agent": UA },
        payload: { refreshToken: refreshed.json().refreshToken },
      });
      assert.equal(challenged.statusCode, 200, challenged.body);
      assert.equal(challenged.json().mfaRequired, true);
      const session = await h.database.handle.db
        .selectFrom("sessions")
        .selectAll()
        .where("id", "=", sid)
        .executeTakeFirstOrThrow();
      assert.equal(session.revoked_reason, "mfa_required");
      const done = await verifyMfa(h, { ticket: challenged.json().ticket, code: codeFor(h, user.secret) });
      assert.equal(done.statusCode, 200, done.body);
    });

    it("enrolling ends the account's other sessions that never used the factor", async () => {
      const email = "others-enrol@example.com";
      const first = await signedInUser(h, email);
      const second = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { email, password: STRONG_PASSWORD, clientType: "native" },
      });
      const enrol = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/factors/totp",
        headers: bearer(first.accessToken),
        payload: {},
      });
      await h.app.inject({
        method: "POST",
        url: `/api/v1/auth/factors/totp/${enrol.json().id}/confirm`,
        headers: bearer(first.accessToken),
        payload: { code: codeFor(h, enrol.json().secret) },
      });
      const stolen = await h.app.inject({
        method: "GET",
        url: "/api/v1/users/me",
        headers: bearer(second.json().accessToken),
      });
      assert.equal(stolen.statusCode, 401, "the other session ended at once");
      const mine = await h.app.inject({ method: "GET", url: "/api/v1/users/me", headers: bearer(first.accessToken) });
      assert.equal(mine.statusCode, 200);
    });

    it("a password-only session's token says amr [pwd] with its auth_time", async () => {
      const user = await signedInUser(h, "pwdonly@example.com");
      const claims = claimsOf(user.accessToken);
      assert.deepEqual(claims.amr, ["pwd"]);
      assert.equal(typeof claims.auth_time, "number");
    });

    it("accepts codes one step either side of now and refuses two steps away", async () => {
      const user = await userWithTotp(h, "skew@example.com");
      h.clock.advance(300); // past the enrolment's step
      for (const [offset, expected] of [
        [-2, 401],
        [2, 401],
        [-1, 200],
      ] as const) {
        const { ticket } = await ticketFor(h, "skew@example.com");
        const res = await verifyMfa(h, { ticket, code: codeFor(h, user.secret, offset) });
        assert.equal(res.statusCode, expected, `offset ${offset}: ${res.body}`);
      }
      const { ticket } = await ticketFor(h, "skew@example.com");
      assert.equal((await verifyMfa(h, { ticket, code: codeFor(h, user.secret, 1) })).statusCode, 200);
    });

    it("a code is accepted once: a replay, or an older code after a newer one, is refused", async () => {
      const user = await userWithTotp(h, "replay@example.com");
      h.clock.advance(300);
      const code = codeFor(h, user.secret);
      const first = await ticketFor(h, "replay@example.com");
      assert.equal((await verifyMfa(h, { ticket: first.ticket, code })).statusCode, 200);
      const second = await ticketFor(h, "replay@example.com");
      const replay = await verifyMfa(h, { ticket: second.ticket, code });
      assert.equal(replay.statusCode, 401);
      assert.equal(replay.json().code, "mfa.invalid_code");
      const older = await verifyMfa(h, { ticket: second.ticket, code: codeFor(h, user.secret, -1) });
      assert.equal(older.statusCode, 401, "the previous step is older than the one used");
    });

    it("two concurrent sign-ins with the same code: exactly one gets tokens", async () => {
      const user = await userWithTotp(h, "race@example.com");
      h.clock.advance(300);
      const code = codeFor(h, user.secret);
      const tickets = [await ticketFor(h, "race@example.com"), await ticketFor(h, "race@example.com")];
      const results = await Promise.all(tickets.map((t) => verifyMfa(h, { ticket: t.ticket, code })));
      assert.deepEqual(results.map((r) => r.statusCode).sort(), [200, 401]);
    });

    it("the ticket is bound to its client: another User-Agent, or a browser without its cookie, is refused", async () => {
      const user = await userWithTotp(h, "bound@example.com");
      const { ticket } = await ticketFor(h, "bound@example.com");
      const other = await verifyMfa(h, { ticket, code: codeFor(h, user.secret) }, { "user-agent": "thief/1.0" });
      assert.equal(other.statusCode, 401);
      assert.equal(other.json().code, "mfa.invalid_ticket");

      const browser = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        headers: { "user-agent": UA },
        payload: { email: "bound@example.com", password: STRONG_PASSWORD },
      });
      const cookie = /rampart_mfa=([^;]+)/.exec(String(browser.headers["set-cookie"]))?.[1];
      assert.ok(cookie);
      const payload = { ticket: browser.json().ticket, code: codeFor(h, user.secret), clientType: "browser" };
      const noCookie = await verifyMfa(h, payload);
      assert.equal(noCookie.statusCode, 401);
      const withCookie = await verifyMfa(h, payload, { cookie: `rampart_mfa=${cookie}` });
      assert.equal(withCookie.statusCode, 200, withCookie.body);
      assert.ok(String(withCookie.headers["set-cookie"]).includes("rampart_refresh="));
    });

    it("one ticket, two concurrent completions (a code and a recovery code): one session", async () => {
      const user = await userWithTotp(h, "one-ticket@example.com");
      h.clock.advance(300);
      const { ticket } = await ticketFor(h, "one-ticket@example.com");
      const results = await Promise.all([
        verifyMfa(h, { ticket, code: codeFor(h, user.secret) }),
        verifyMfa(h, { ticket, recoveryCode: user.recoveryCodes[0] }),
      ]);
      assert.deepEqual(results.map((r) => r.statusCode).sort(), [200, 401]);
      const sessions = await h.database.handle.db
        .selectFrom("sessions")
        .select("id")
        .where("user_id", "=", user.userId)
        .where("amr", "like", "%mfa%")
        .execute();
      assert.equal(sessions.length, 2, "the enrolling session and exactly one new one");
    });

    it("a password change between the two steps voids the ticket", async () => {
      const user = await userWithTotp(h, "changed@example.com");
      h.clock.advance(300);
      const { ticket } = await ticketFor(h, "changed@example.com");
      const other = await ticketFor(h, "changed@example.com");
      const signedIn = await verifyMfa(h, { ticket: other.ticket, code: codeFor(h, user.secret) });
      const change = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/password/change",
        headers: bearer(signedIn.json().accessToken),
        payload: { currentPassword: STRONG_PASSWORD, newPassword: "amber-tundra-quartz-77" },
      });
      assert.equal(change.statusCode, 204, change.body);
      const res = await verifyMfa(h, { ticket, code: codeFor(h, user.secret, 1) });
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().code, "mfa.invalid_ticket");
    });

    it("an expired ticket is refused", async () => {
      const user = await userWithTotp(h, "expired@example.com");
      const { ticket } = await ticketFor(h, "expired@example.com");
      h.clock.advance(301);
      const res = await verifyMfa(h, { ticket, code: codeFor(h, user.secret) });
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().code, "mfa.invalid_ticket");
    });

    it("a ticket dies after MFA_TICKET_MAX_FAILURES wrong codes, even for a right one after", async () => {
      const user = await userWithTotp(h, "dies@example.com");
      h.clock.advance(300);
      const { ticket } = await ticketFor(h, "dies@example.com");
      for (let i = 0; i < 3; i++) {
        const wrong = await verifyMfa(h, { ticket, code: codeFor(h, user.secret, 5) });
        assert.equal(wrong.json().code, "mfa.invalid_code");
      }
      const right = await verifyMfa(h, { ticket, code: codeFor(h, user.secret) });
      assert.equal(right.statusCode, 401);
      assert.equal(right.json().code, "mfa.invalid_ticket");
    });

    it("wrong codes count toward the account's lockout like wrong passwords", async () => {
      const user = await userWithTotp(h, "lockout@example.com");
      h.clock.advance(300);
      // A right password with a factor pending neither clears nor adds to the count; each
      // wrong code adds one. Seven wrong codes, and the eighth attempt of any kind locks.
      for (let i = 0; i < 7; i++) {
        const { ticket } = await ticketFor(h, "lockout@example.com");
        const wrong = await verifyMfa(h, { ticket, code: codeFor(h, user.secret, 5) });
        assert.equal(wrong.statusCode, 401);
        assert.equal(wrong.headers["retry-after"], undefined);
      }
      const locked = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { email: "lockout@example.com", password: STRONG_PASSWORD, clientType: "native" },
      });
      assert.equal(locked.statusCode, 401);
      assert.equal(locked.json().code, "auth.invalid_credentials");
      assert.ok(locked.headers["retry-after"], "the eighth attempt, with the right password, starts the lockout");
      const stillLocked = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { email: "lockout@example.com", password: STRONG_PASSWORD, clientType: "native" },
      });
      assert.equal(stillLocked.statusCode, 401);
      const audit = await h.database.handle.db
        .selectFrom("audit_events")
        .select("action")
        .where("target_id", "=", user.userId)
        .where("action", "in", ["mfa.code_failed", "auth.account_locked"])
        .execute();
      assert.equal(audit.filter((a) => a.action === "mfa.code_failed").length, 7);
      assert.equal(audit.filter((a) => a.action === "auth.account_locked").length, 1);
    });

    it("removing a factor needs the password and a current factor; then the password alone signs in", async () => {
      const user = await userWithTotp(h, "remove@example.com");
      h.clock.advance(300);
      const remove = (payload: Record<string, unknown>) =>
        h.app.inject({
          method: "DELETE",
          url: `/api/v1/auth/factors/${user.factorId}`,
          headers: bearer(user.accessToken),
          payload,
        });
      // The session predates the factor (amr [pwd]): removing a factor is a step-up action.
      const stale = await remove({ password: STRONG_PASSWORD, code: codeFor(h, user.secret) });
      assert.equal(stale.statusCode, 401);
      assert.equal(stale.json().code, "auth.step_up_required");
      const { ticket } = await ticketFor(h, "remove@example.com");
      const signedIn = await verifyMfa(h, { ticket, code: codeFor(h, user.secret) });
      user.accessToken = signedIn.json().accessToken;
      h.clock.advance(30);
      assert.equal((await remove({ password: STRONG_PASSWORD })).statusCode, 422, "the factor is required");
      const wrongPassword = await remove({ password: "not-the-password-9", code: codeFor(h, user.secret) });
      assert.equal(wrongPassword.json().code, "auth.wrong_password");
      const wrongCode = await remove({ password: STRONG_PASSWORD, code: codeFor(h, user.secret, 5) });
      assert.equal(wrongCode.json().code, "mfa.wrong_code");
      const ok = await remove({ password: STRONG_PASSWORD, code: codeFor(h, user.secret) });
      assert.equal(ok.statusCode, 204, ok.body);
      const login = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { email: "remove@example.com", password: STRONG_PASSWORD, clientType: "native" },
      });
      assert.ok(login.json().accessToken);
      const codes = await h.database.handle.db
        .selectFrom("recovery_codes")
        .select("id")
        .where("user_id", "=", user.userId)
        .execute();
      assert.equal(codes.length, 0, "recovery codes go with the last factor");
    });
  });
}
