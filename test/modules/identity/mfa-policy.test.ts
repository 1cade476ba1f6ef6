import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { enginesUnderTest } from "../../helpers/database.ts";
import { bearer, type IdentityHarness, identityHarness, STRONG_PASSWORD } from "../../helpers/identity.ts";
import { codeFor, ticketFor, userWithTotp, verifyMfa } from "../../helpers/mfa.ts";
import { createCompany, joinDirectly, makePlatformAdmin, newUser } from "../../helpers/tenancy.ts";

for (const engine of await enginesUnderTest()) {
  describe(`second-factor policies on ${engine.engine}`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    before(async () => {
      h = await identityHarness(engine);
    });
    after(() => h?.close());

    it("an owner requires a factor: a member without one can only enrol, then gets in; audited and mailed", async () => {
      const owner = await newUser(h, "policy-owner");
      const member = await newUser(h, "policy-member");
      const company = await createCompany(h.app, owner, `policy-${Date.now()}`);
      await joinDirectly(h, company.id, member, "admin");

      const unset = await h.app.inject({
        method: "GET",
        url: `/api/v1/companies/${company.id}/mfa-policy`,
        headers: member.headers,
      });
      assert.equal(unset.statusCode, 200, unset.body);
      assert.deepEqual(unset.json(), { requireMfa: false, since: null });

      // Admins cannot switch it (owner only), nor can the member.
      const byAdmin = await h.app.inject({
        method: "PUT",
        url: `/api/v1/companies/${company.id}/mfa-policy`,
        headers: member.headers,
        payload: { requireMfa: true },
      });
      assert.equal(byAdmin.statusCode, 403);
      const set = await h.app.inject({
        method: "PUT",
        url: `/api/v1/companies/${company.id}/mfa-policy`,
        headers: owner.headers,
        payload: { requireMfa: true },
      });
      assert.equal(set.statusCode, 200, set.body);
      assert.equal(set.json().requireMfa, true);
      for (const url of [`/api/v1/companies/${company.id}`, `/api/v1/companies/${company.id}/members`]) {
        const refused = await h.app.inject({ method: "GET", url, headers: member.headers });
        assert.equal(refused.statusCode, 403, url);
        assert.equal(refused.json().code, "mfa.enrollment_required");
        assert.equal(refused.json().policy, "company_require_mfa");
        assert.ok(!refused.body.includes(company.slug), "nothing of the company");
      }
      // Enrolling stays open.
      const enrol = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/factors/totp",
        headers: member.headers,
        payload: {},
      });
      assert.equal(enrol.statusCode, 201);
      const confirm = await h.app.inject({
        method: "POST",
        url: `/api/v1/auth/factors/totp/${enrol.json().id}/confirm`,
        headers: member.headers,
        payload: { code: codeFor(h, enrol.json().secret) },
      });
      assert.equal(confirm.statusCode, 200);
      const allowed = await h.app.inject({
        method: "GET",
        url: `/api/v1/companies/${company.id}`,
        headers: member.headers,
      });
      assert.equal(allowed.statusCode, 200, allowed.body);
      // A member with a factor reads the policy as it stands.
      const read = await h.app.inject({
        method: "GET",
        url: `/api/v1/companies/${company.id}/mfa-policy`,
        headers: member.headers,
      });
      assert.equal(read.statusCode, 200, read.body);
      assert.deepEqual(read.json(), { requireMfa: true, since: set.json().since });
      assert.ok(!Number.isNaN(Date.parse(read.json().since)));

      const audit = await h.database.handle.db
        .selectFrom("audit_events")
        .select(["action", "company_id"])
        .where("action", "=", "company.mfa_policy_changed")
        .where("company_id", "=", company.id)
        .execute();
      assert.equal(audit.length, 1);
      const mails = h.mails().filter((m) => m.includes("requires a second factor"));
      assert.ok(mails.some((m) => m.includes(member.email)));
      assert.ok(mails.some((m) => m.includes(owner.email)));
    });

    it("a platform admin resets a user's factors: audited with the user as target, mailed; the password alone signs in again", async () => {
      const admin = await newUser(h, "reset-admin");
      await makePlatformAdmin(h, admin.userId);
      const user = await userWithTotp(h, `reset-${Date.now()}@example.com`);
      const reset = await h.app.inject({
        method: "POST",
        url: `/api/v1/admin/users/${user.userId}/reset-factors`,
        headers: admin.headers,
      });
      assert.equal(reset.statusCode, 200, reset.body);
      assert.equal(reset.json().factorsRemoved, 1);
      const events = await h.database.handle.db
        .selectFrom("audit_events")
        .select(["action", "actor_id", "target_id", "company_id"])
        .where("action", "=", "user.factors_reset")
        .execute();
      assert.deepEqual(
        events.map((e) => ({ ...e })),
        [{ action: "user.factors_reset", actor_id: admin.userId, target_id: user.userId, company_id: null }],
      );
      assert.ok(h.mails().some((m) => m.includes(user.email) && m.includes("second factors")));
      const login = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { email: user.email, password: STRONG_PASSWORD, clientType: "native" },
      });
      assert.ok(login.json().accessToken, login.body);
      const notAdmin = await h.app.inject({
        method: "POST",
        url: `/api/v1/admin/users/${admin.userId}/reset-factors`,
        headers: bearer(login.json().accessToken),
      });
      assert.equal(notAdmin.statusCode, 403);
    });
  });
}

describe("PLATFORM_ADMIN_REQUIRE_MFA", () => {
  let h: IdentityHarness;
  before(async () => {
    const [engine] = await enginesUnderTest();
    if (!engine) throw new Error("no engine");
    h = await identityHarness(engine, { PLATFORM_ADMIN_REQUIRE_MFA: "true" });
  });
  after(() => h?.close());

  it("refuses an admin signed in without a factor (enrolling stays open), and serves one signed in with it", async () => {
    const admin = await newUser(h, "factor-admin");
    await makePlatformAdmin(h, admin.userId);
    const login = await h.app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { email: admin.email, password: STRONG_PASSWORD, clientType: "native" },
    });
    const token = login.json().accessToken as string;
    const refused = await h.app.inject({ method: "GET", url: "/api/v1/admin/users", headers: bearer(token) });
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json().code, "mfa.enrollment_required");
    assert.equal(refused.json().policy, "platform_admin");
    const enrol = await h.app.inject({
      method: "POST",
      url: "/api/v1/auth/factors/totp",
      headers: bearer(token),
      payload: {},
    });
    const secret = enrol.json().secret as string;
    const confirm = await h.app.inject({
      method: "POST",
      url: `/api/v1/auth/factors/totp/${enrol.json().id}/confirm`,
      headers: bearer(token),
      payload: { code: codeFor(h, secret, -1) },
    });
    assert.equal(confirm.statusCode, 200, confirm.body);
    const { ticket } = await ticketFor(h, admin.email);
    const signedIn = await verifyMfa(h, { ticket, code: codeFor(h, secret) });
    const allowed = await h.app.inject({
      method: "GET",
      url: "/api/v1/admin/users",
      headers: bearer(signedIn.json().accessToken),
    });
    assert.equal(allowed.statusCode, 200, allowed.body);
  });
});
