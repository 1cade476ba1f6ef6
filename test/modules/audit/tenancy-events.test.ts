import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { verifyAuditChains } from "../../../src/modules/audit/index.ts";
import { parseJson } from "../../../src/platform/db/dialect.ts";
import { enginesUnderTest } from "../../helpers/database.ts";
import { type IdentityHarness, identityHarness } from "../../helpers/identity.ts";
import { createCompany, joinDirectly, makePlatformAdmin, newUser, type SignedIn } from "../../helpers/tenancy.ts";

for (const engine of await enginesUnderTest()) {
  describe(`tenancy and platform changes in the audit trail (${engine.engine})`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    let owner: SignedIn;
    let viewer: SignedIn;
    let company: { id: string };
    before(async () => {
      h = await identityHarness(engine);
      owner = await newUser(h, "owner");
      viewer = await newUser(h, "viewer");
      company = await createCompany(h.app, owner, "audited-co");
      await joinDirectly(h, company.id, viewer, "viewer");
    });
    after(() => h.close());

    const events = (action: string) =>
      h.database.handle.db
        .selectFrom("audit_events")
        .selectAll()
        .where("action", "=", action)
        .where("company_id", "=", company.id)
        .execute();

    it("records a role change with who, before and after, in the company's stream", async () => {
      const res = await h.app.inject({
        method: "PATCH",
        url: `/api/v1/companies/${company.id}/members/${viewer.userId}`,
        headers: { ...owner.headers, "user-agent": "audit-test" },
        payload: { role: "member" },
      });
      assert.equal(res.statusCode, 204);
      const [event] = await events("member.role_changed");
      assert.ok(event, "a member.role_changed event");
      assert.equal(event.actor_type, "user");
      assert.equal(event.actor_id, owner.userId);
      assert.equal(event.target_id, viewer.userId);
      assert.equal(event.user_agent, "audit-test");
      assert.equal(event.request_id, res.headers["x-request-id"]);
      assert.deepEqual(parseJson(event.metadata), { before: "viewer", after: "member" });
      const listed = await h.app.inject({
        url: `/api/v1/companies/${company.id}/audit-events?action=member.role_changed`,
        headers: owner.headers,
      });
      assert.equal(listed.json().items.length, 1);
    });

    it("records nothing for a refused change (the last owner cannot step down)", async () => {
      const before = (await events("member.role_changed")).length;
      const res = await h.app.inject({
        method: "PATCH",
        url: `/api/v1/companies/${company.id}/members/${owner.userId}`,
        headers: owner.headers,
        payload: { role: "admin" },
      });
      assert.equal(res.statusCode, 409);
      assert.equal((await events("member.role_changed")).length, before);
    });

    it("records API keys created and revoked, never their secret", async () => {
      const created = await h.app.inject({
        method: "POST",
        url: `/api/v1/companies/${company.id}/api-keys`,
        headers: owner.headers,
        payload: { name: "ci", scopes: ["company:read"] },
      });
      const { id, key } = created.json() as { id: string; key: string };
      await h.app.inject({
        method: "DELETE",
        url: `/api/v1/companies/${company.id}/api-keys/${id}`,
        headers: owner.headers,
      });
      const [made] = await events("api_key.created");
      const [revoked] = await events("api_key.revoked");
      assert.equal(made?.target_id, id);
      assert.equal(revoked?.target_id, id);
      const everything = JSON.stringify(await h.database.handle.db.selectFrom("audit_events").selectAll().execute());
      assert.ok(!everything.includes(key.slice(20)), "the key's secret is nowhere in the audit trail");
    });

    it("records a permission denial as a security event", async () => {
      const res = await h.app.inject({
        method: "DELETE",
        url: `/api/v1/companies/${company.id}`,
        headers: viewer.headers,
      });
      assert.equal(res.statusCode, 403);
      const [denied] = await events("access.denied");
      assert.equal(denied?.actor_id, viewer.userId);
      assert.equal(denied?.target_id, "DELETE /api/v1/companies/:companyId");
      assert.deepEqual(parseJson(denied?.metadata), { permission: "company:delete" });
    });

    it("records a partner's member refused here without their IP address or User-Agent", async () => {
      const partnerOwner = await newUser(h, "partner-owner");
      const partnerCo = await createCompany(h.app, partnerOwner, `partner-co-${engine.engine}`);
      const requested = await h.app.inject({
        method: "POST",
        url: `/api/v1/companies/${partnerCo.id}/partners`,
        headers: partnerOwner.headers,
        payload: { partnerSlug: "audited-co", scopes: ["company:read"] },
      });
      assert.equal(requested.statusCode, 201, requested.body);
      const accepted = await h.app.inject({
        method: "POST",
        url: `/api/v1/companies/${company.id}/partners/${requested.json().id}/accept`,
        headers: owner.headers,
      });
      assert.equal(accepted.statusCode, 200, accepted.body);
      const refused = await h.app.inject({
        method: "PATCH",
        url: `/api/v1/companies/${company.id}`,
        headers: { ...partnerOwner.headers, "user-agent": "partner-browser" },
        payload: { name: "Taken over" },
      });
      assert.equal(refused.statusCode, 403);
      const denied = (await events("access.denied")).find((e) => e.actor_id === partnerOwner.userId);
      assert.ok(denied, "the refusal is recorded in the company's trail");
      assert.deepEqual([denied.ip, denied.user_agent], [null, null]);
      const own = (await events("access.denied")).find((e) => e.actor_id === viewer.userId);
      assert.equal(own?.ip, "127.0.0.1", "the company's own member keeps their address in its trail");
    });

    it("records company suspension, the kill switch and flags by the platform admin who changed them", async () => {
      const admin = await newUser(h, "admin");
      await makePlatformAdmin(h, admin.userId);
      await h.app.inject({
        method: "POST",
        url: `/api/v1/admin/companies/${company.id}/suspend`,
        headers: admin.headers,
      });
      await h.app.inject({
        method: "POST",
        url: `/api/v1/admin/companies/${company.id}/unsuspend`,
        headers: admin.headers,
      });
      const toggled = await h.app.inject({
        method: "PUT",
        url: "/api/v1/admin/flags/signup",
        headers: admin.headers,
        payload: { enabled: false },
      });
      assert.equal(toggled.statusCode, 200, toggled.body);
      for (const action of ["company.suspended", "company.unsuspended"]) {
        // The company's trail names the operator by role only; the platform's keeps who and from where.
        const [tenantSide] = await events(action);
        assert.deepEqual(
          [tenantSide?.actor_type, tenantSide?.actor_id, tenantSide?.ip, tenantSide?.user_agent],
          ["system", "platform_admin", null, null],
        );
        const listed = await h.app.inject({
          url: `/api/v1/companies/${company.id}/audit-events?action=${action}`,
          headers: owner.headers,
        });
        assert.ok(!listed.body.includes(admin.userId), "the company never sees the operator's id");
        const platformSide = await h.database.handle.db
          .selectFrom("audit_events")
          .selectAll()
          .where("action", "=", action)
          .where("company_id", "is", null)
          .executeTakeFirstOrThrow();
        assert.equal(platformSide.actor_id, admin.userId);
        assert.equal(platformSide.ip, "127.0.0.1");
        assert.equal(parseJson<{ companyId: string }>(platformSide.metadata).companyId, company.id);
      }
      const flag = await h.database.handle.db
        .selectFrom("audit_events")
        .selectAll()
        .where("action", "=", "feature_flag.changed")
        .executeTakeFirst();
      assert.equal(flag?.actor_id, admin.userId);
      assert.equal(flag?.company_id, null, "platform stream");
      assert.deepEqual(parseJson(flag?.metadata), { flag: "signup", enabled: false });
      await h.app.inject({
        method: "PUT",
        url: "/api/v1/admin/flags/signup",
        headers: admin.headers,
        payload: { enabled: true },
      });
    });

    it("records invitations and partnerships in the acting company's stream", async () => {
      const invited = await h.app.inject({
        method: "POST",
        url: `/api/v1/companies/${company.id}/invitations`,
        headers: owner.headers,
        payload: { email: "invitee@example.com", role: "member" },
      });
      assert.equal(invited.statusCode, 201, invited.body);
      const [created] = await events("invitation.created");
      assert.equal(created?.target_id, invited.json().id);
      assert.deepEqual(parseJson(created?.metadata), { role: "member" });
      const other = await createCompany(h.app, await newUser(h, "other"), "audited-partner");
      const requested = await h.app.inject({
        method: "POST",
        url: `/api/v1/companies/${company.id}/partners`,
        headers: owner.headers,
        payload: { partnerSlug: "audited-partner", scopes: ["company:read"] },
      });
      assert.equal(requested.statusCode, 201, requested.body);
      const [partnership] = await events("partnership.requested");
      assert.deepEqual(parseJson(partnership?.metadata), { partnerCompanyId: other.id, scopes: ["company:read"] });
    });

    it("keeps every chain verifiable", async () => {
      const report = await verifyAuditChains(h.database.handle.db);
      assert.deepEqual(report.broken, []);
      assert.ok(report.events > 5);
    });
  });
}
