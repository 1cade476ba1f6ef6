import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { sql } from "kysely";
import { verifyAuditChains } from "../../../src/modules/audit/verify.ts";
import { enginesUnderTest } from "../../helpers/database.ts";
import {
  bearer,
  type IdentityHarness,
  identityHarness,
  STRONG_PASSWORD,
  signedInUser,
} from "../../helpers/identity.ts";

const login = (h: IdentityHarness, email: string, password: string) =>
  h.app.inject({
    method: "POST",
    url: "/api/v1/auth/login",
    headers: { "user-agent": "audit-test/1.0", "x-request-id": `login-${email.split("@")[0]}` },
    payload: { email, password, clientType: "native" },
  });

for (const engine of await enginesUnderTest()) {
  describe(`identity's audit events on ${engine.engine}`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    before(async () => {
      h = await identityHarness(engine, { LOGIN_MAX_FAILURES: "3" });
    });
    after(() => h?.close());

    const events = (action: string) =>
      h.database.handle.db.selectFrom("audit_events").selectAll().where("action", "=", action).orderBy("seq").execute();

    it("records failed logins and the lockout they cause, without the password", async () => {
      const { userId } = await signedInUser(h, "target@example.com");
      for (let i = 0; i < 3; i++)
        assert.equal((await login(h, "target@example.com", "wrong-password-123")).statusCode, 401);
      const failed = (await events("auth.login_failed")).filter((e) => e.target_id === userId);
      assert.equal(failed.length, 3);
      const [first] = failed;
      assert.equal(first?.actor_id, null, "an unauthenticated caller is not the account's owner");
      assert.equal(first?.target_type, "user");
      assert.equal(first?.user_agent, "audit-test/1.0");
      assert.equal(first?.request_id, "login-target");
      assert.equal(first?.company_id, null);
      const locked = await events("auth.account_locked");
      assert.equal(locked.length, 1);
      assert.equal(JSON.parse(String(locked[0]?.metadata)).lockSeconds, 60);
      // Attempts while locked are failed logins too, even with the right password.
      assert.equal((await login(h, "target@example.com", STRONG_PASSWORD)).statusCode, 401);
      const whileLocked = await events("auth.login_failed");
      assert.equal(JSON.parse(String(whileLocked.at(-1)?.metadata)).reason, "locked");
      const stored = (await h.database.handle.db.selectFrom("audit_events").select("metadata").execute())
        .map((r) => r.metadata)
        .join("\n");
      assert.ok(!stored.includes("wrong-password-123") && !stored.includes(STRONG_PASSWORD));
    });

    it("records a successful login and a password change with the user as actor", async () => {
      const { accessToken, userId } = await signedInUser(h, "changer@example.com");
      const [signedIn] = (await events("auth.login_succeeded")).filter((e) => e.actor_id === userId);
      assert.equal(signedIn?.target_id, userId);
      const changed = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/password/change",
        headers: bearer(accessToken),
        payload: { currentPassword: STRONG_PASSWORD, newPassword: "granite-meadow-compass-77" },
      });
      assert.ok(changed.statusCode < 300, changed.body);
      const [event] = (await events("auth.password_changed")).filter((e) => e.actor_id === userId);
      assert.ok(event, "auth.password_changed recorded");
      assert.equal(event.actor_type, "user");
    });

    it("records refresh-token reuse with the revoked session", async () => {
      const { refreshToken, userId } = await signedInUser(h, "replayed@example.com");
      await h.app.inject({ method: "POST", url: "/api/v1/auth/refresh", payload: { refreshToken } });
      h.clock.advance(11);
      const replay = await h.app.inject({ method: "POST", url: "/api/v1/auth/refresh", payload: { refreshToken } });
      assert.equal(replay.json().code, "auth.refresh_token_reused");
      const [event] = await events("auth.refresh_token_reused");
      assert.equal(event?.target_id, userId);
      assert.equal(JSON.parse(String(event?.metadata)).outcome, "session_revoked");
    });

    it("every event so far sits on one intact platform chain", async () => {
      const report = await verifyAuditChains(h.database.handle.db);
      assert.deepEqual(report.broken, []);
      assert.deepEqual(
        report.streams.map((s) => s.stream),
        ["platform"],
      );
      assert.ok(report.events >= 10);
    });
  });

  describe(`an audit trail that cannot be written on ${engine.engine}`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    before(async () => {
      h = await identityHarness(engine);
    });
    after(() => h?.close());

    it("fails the login it would record with 500; the attempt stays counted against the lockout", async () => {
      await sql`drop table audit_events`.execute(h.database.handle.db);
      const res = await login(h, "nobody@example.com", "wrong-password-123");
      assert.equal(res.statusCode, 500);
      // Attempts are claimed before the password is checked (login-throttle.ts), so an attacker
      // cannot escape the count by making the audit write fail: the lockout fails closed.
      const throttles = await h.database.handle.db.selectFrom("login_throttles").select("failures").execute();
      assert.deepEqual(
        throttles.map((row) => Number(row.failures)),
        [1],
      );
    });
  });
}
