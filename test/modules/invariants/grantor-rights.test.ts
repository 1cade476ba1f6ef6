import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { enginesUnderTest } from "../../helpers/database.ts";
import { type IdentityHarness, identityHarness, STRONG_PASSWORD } from "../../helpers/identity.ts";
import { createCompany, joinDirectly, makePlatformAdmin, newUser, type SignedIn } from "../../helpers/tenancy.ts";

// Issue #20, finding 2: a right never outlives the rights of the person who granted it.
// Keys and pending invitations are checked at use against their creator's CURRENT rights
// in the company (docs/security.md, "Keys and invitations act with their creator's rights").

const KEY_SCOPES = ["company:read", "members:read", "members:invite", "partners:manage", "audit:read"];

for (const engine of await enginesUnderTest()) {
  describe(`rights never outlive their grantor (${engine.engine})`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    let operator: SignedIn;
    before(async () => {
      h = await identityHarness(engine);
      operator = await newUser(h, "operator");
      await makePlatformAdmin(h, operator.userId);
    });
    after(() => h.close());

    let slugs = 0;
    /** An owner's company with an admin who creates a key with KEY_SCOPES. */
    async function companyWithAdminKey() {
      const owner = await newUser(h, "owner");
      const admin = await newUser(h, "admin");
      const company = await createCompany(h.app, owner, `grantor-${++slugs}-${Date.now()}`);
      await joinDirectly(h, company.id, admin, "admin");
      const res = await h.app.inject({
        method: "POST",
        url: `/api/v1/companies/${company.id}/api-keys`,
        headers: admin.headers,
        payload: { name: "integration", scopes: KEY_SCOPES },
      });
      assert.equal(res.statusCode, 201, res.body);
      const key = res.json() as { id: string; key: string };
      return { owner, admin, company, key, keyHeaders: { "x-api-key": key.key } };
    }

    async function status(url: string, headers: Record<string, string>, method = "GET", payload?: object) {
      const res = await h.app.inject({ method: method as "GET", url, headers, ...(payload ? { payload } : {}) });
      assert.ok(res.statusCode < 500, res.body);
      return res.statusCode;
    }

    async function inviteByKey(companyId: string, keyHeaders: Record<string, string>) {
      return status(`/api/v1/companies/${companyId}/invitations`, keyHeaders, "POST", {
        email: `invitee-${++slugs}-${Date.now()}@example.com`,
        role: "member",
      });
    }

    it("a key works while its creator holds the rights it uses", async () => {
      const { company, keyHeaders } = await companyWithAdminKey();
      assert.equal(await status(`/api/v1/companies/${company.id}/members`, keyHeaders), 200);
      assert.equal(await status(`/api/v1/companies/${company.id}/audit-events`, keyHeaders), 200);
      assert.equal(await inviteByKey(company.id, keyHeaders), 201);
    });

    it("removed: the creator's key can no longer read members, invite or manage partners", async () => {
      const { owner, admin, company, keyHeaders } = await companyWithAdminKey();
      assert.equal(
        await status(`/api/v1/companies/${company.id}/members/${admin.userId}`, owner.headers, "DELETE"),
        204,
      );
      assert.equal(await status(`/api/v1/companies/${company.id}/members`, keyHeaders), 403);
      assert.equal(await inviteByKey(company.id, keyHeaders), 403);
      assert.equal(await status(`/api/v1/companies/${company.id}/partners`, keyHeaders, "POST", { slug: "x" }), 403);
    });

    it("left: the same as removed", async () => {
      const { admin, company, keyHeaders } = await companyWithAdminKey();
      assert.equal(await status(`/api/v1/companies/${company.id}/leave`, admin.headers, "POST"), 204);
      assert.equal(await status(`/api/v1/companies/${company.id}/members`, keyHeaders), 403);
    });

    it("demoted: the key narrows to what the creator's new role still allows", async () => {
      const { owner, admin, company, keyHeaders } = await companyWithAdminKey();
      const demote = await status(`/api/v1/companies/${company.id}/members/${admin.userId}`, owner.headers, "PATCH", {
        role: "viewer",
      });
      assert.equal(demote, 204);
      // viewer keeps company:read and members:read; audit:read and members:invite are gone.
      assert.equal(await status(`/api/v1/companies/${company.id}/members`, keyHeaders), 200);
      assert.equal(await status(`/api/v1/companies/${company.id}/audit-events`, keyHeaders), 403);
      assert.equal(await inviteByKey(company.id, keyHeaders), 403);
      // Promoted back, the key's own scopes apply again: it never exceeded them either way.
      await status(`/api/v1/companies/${company.id}/members/${admin.userId}`, owner.headers, "PATCH", {
        role: "admin",
      });
      assert.equal(await status(`/api/v1/companies/${company.id}/audit-events`, keyHeaders), 200);
    });

    it("suspended: the key is refused while its creator is suspended", async () => {
      const { admin, company, keyHeaders } = await companyWithAdminKey();
      assert.equal(await status(`/api/v1/admin/users/${admin.userId}/suspend`, operator.headers, "POST"), 200);
      assert.equal(await status(`/api/v1/companies/${company.id}/members`, keyHeaders), 403);
      assert.equal(await status(`/api/v1/companies/${company.id}`, keyHeaders), 403);
      assert.equal(await status(`/api/v1/admin/users/${admin.userId}/unsuspend`, operator.headers, "POST"), 200);
      assert.equal(await status(`/api/v1/companies/${company.id}/members`, keyHeaders), 200);
    });

    it("deleted: the key is refused once its creator deleted their account", async () => {
      const { admin, company, keyHeaders } = await companyWithAdminKey();
      assert.equal(await status("/api/v1/users/me", admin.headers, "DELETE", { password: STRONG_PASSWORD }), 204);
      assert.equal(await status(`/api/v1/companies/${company.id}/members`, keyHeaders), 403);
      assert.equal(await status(`/api/v1/companies/${company.id}`, keyHeaders), 403);
    });

    it("the key list names each key's creator and shows expired keys as expired", async () => {
      const { owner, admin, company, key } = await companyWithAdminKey();
      const soon = new Date(h.clock.now().getTime() + 60_000).toISOString();
      const short = await h.app.inject({
        method: "POST",
        url: `/api/v1/companies/${company.id}/api-keys`,
        headers: owner.headers,
        payload: { name: "short", scopes: ["company:read"], expiresAt: soon },
      });
      assert.equal(short.statusCode, 201, short.body);
      h.clock.advance(120);
      const list = await h.app.inject({ url: `/api/v1/companies/${company.id}/api-keys`, headers: owner.headers });
      assert.equal(list.statusCode, 200, list.body);
      const items = list.json().items as { id: string; createdBy: string; status: string }[];
      const byAdmin = items.find((item) => item.id === key.id);
      assert.equal(byAdmin?.createdBy, admin.userId);
      assert.equal(byAdmin?.status, "active");
      const expired = items.find((item) => item.id === short.json().id);
      assert.equal(expired?.createdBy, owner.userId);
      assert.equal(expired?.status, "expired");
    });

    describe("pending invitations", () => {
      async function invite(company: { id: string }, by: Record<string, string>, role: string) {
        const email = `invitee-${++slugs}-${Date.now()}@example.com`;
        const res = await h.app.inject({
          method: "POST",
          url: `/api/v1/companies/${company.id}/invitations`,
          headers: by,
          payload: { email, role },
        });
        assert.equal(res.statusCode, 201, res.body);
        return { email, token: h.linkToken(email), invitation: res.json() as { id: string } };
      }

      async function accept(email: string, token: string) {
        const { signedInUser, bearer } = await import("../../helpers/identity.ts");
        const invitee = await signedInUser(h, email);
        return h.app.inject({
          method: "POST",
          url: "/api/v1/invitations/accept",
          headers: bearer(invitee.accessToken),
          payload: { token },
        });
      }

      it("an invitation to admin by a removed admin is refused, and lists who sent it", async () => {
        const { owner, admin, company } = await companyWithAdminKey();
        const { email, token, invitation } = await invite(company, admin.headers, "admin");
        const list = await h.app.inject({ url: `/api/v1/companies/${company.id}/invitations`, headers: owner.headers });
        const listed = (list.json().items as { id: string; invitedBy: string | null }[]).find(
          (item) => item.id === invitation.id,
        );
        assert.equal(listed?.invitedBy, admin.userId);
        await status(`/api/v1/companies/${company.id}/members/${admin.userId}`, owner.headers, "DELETE");
        const res = await accept(email, token);
        assert.equal(res.statusCode, 410, res.body);
        assert.equal(res.json().code, "invitation.withdrawn");
        const members = await h.app.inject({ url: `/api/v1/companies/${company.id}/members`, headers: owner.headers });
        assert.equal(members.json().items.length, 1, "nobody joined");
      });

      it("an invitation to admin by an admin demoted to manager is refused; one to member still works", async () => {
        const { owner, admin, company } = await companyWithAdminKey();
        const toAdmin = await invite(company, admin.headers, "admin");
        const toMember = await invite(company, admin.headers, "member");
        await status(`/api/v1/companies/${company.id}/members/${admin.userId}`, owner.headers, "PATCH", {
          role: "manager",
        });
        assert.equal((await accept(toAdmin.email, toAdmin.token)).statusCode, 410);
        assert.equal((await accept(toMember.email, toMember.token)).statusCode, 200);
      });

      it("invitations by a suspended or deleted inviter, or by a key whose creator left, are refused", async () => {
        const suspended = await companyWithAdminKey();
        const bySuspended = await invite(suspended.company, suspended.admin.headers, "member");
        await status(`/api/v1/admin/users/${suspended.admin.userId}/suspend`, operator.headers, "POST");
        assert.equal((await accept(bySuspended.email, bySuspended.token)).statusCode, 410);

        const deleted = await companyWithAdminKey();
        const byDeleted = await invite(deleted.company, deleted.admin.headers, "member");
        await status("/api/v1/users/me", deleted.admin.headers, "DELETE", { password: STRONG_PASSWORD });
        // The account's erasure revokes what it sent and erases the invitee's address with it
        // (docs/data.md), so the link no longer names this invitee: 403, and nobody joins.
        const afterErasure = await accept(byDeleted.email, byDeleted.token);
        assert.equal(afterErasure.statusCode, 403, afterErasure.body);
        assert.equal(afterErasure.json().code, "invitation.email_mismatch");

        const left = await companyWithAdminKey();
        const byKey = await invite(left.company, left.keyHeaders, "member");
        const list = await h.app.inject({
          url: `/api/v1/companies/${left.company.id}/invitations`,
          headers: left.owner.headers,
        });
        const listed = (list.json().items as { id: string; invitedByApiKey: string | null }[]).find(
          (item) => item.id === byKey.invitation.id,
        );
        assert.equal(listed?.invitedByApiKey, left.key.id);
        await status(`/api/v1/companies/${left.company.id}/leave`, left.admin.headers, "POST");
        assert.equal((await accept(byKey.email, byKey.token)).statusCode, 410);
      });
    });
  });
}
