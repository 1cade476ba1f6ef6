import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { streamOf, verifyAuditChains } from "../../../src/modules/audit/index.ts";
import { enginesUnderTest } from "../../helpers/database.ts";
import {
  bearer,
  type IdentityHarness,
  identityHarness,
  STRONG_PASSWORD,
  signedInUser,
} from "../../helpers/identity.ts";
import { createCompany, joinDirectly, newUser, type SignedIn } from "../../helpers/tenancy.ts";

/**
 * One record of every kind Rampart stores about a person, then the export (each must be
 * in it) and the account deletion (each must be erased or left as docs/data.md says, and
 * the audit trail must still verify).
 */
for (const engine of await enginesUnderTest()) {
  describe(`a person's data: export and erasure (${engine.engine})`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    let ada: SignedIn;
    let other: SignedIn;
    let adaCo: { id: string };
    let otherCo: { id: string };
    let sentInvitationToken: string;
    const UA = "ada-browser/1.0";
    const db = () => h.database.handle.db;

    before(async () => {
      h = await identityHarness(engine);
      ada = await newUser(h, "ada");
      other = await newUser(h, "other");
      const as = (u: SignedIn) => ({ ...u.headers, "user-agent": UA });
      adaCo = await createCompany(h.app, ada, `ada-co-${engine.engine}`);
      otherCo = await createCompany(h.app, other, `other-co-${engine.engine}`);
      // Ada's co-owner, so that the deletion leaves adaCo with an owner (docs/security.md:
      // the last owner of a company cannot delete their account).
      await joinDirectly(h, adaCo.id, other, "owner");
      const post = async (url: string, headers: Record<string, string>, payload: Record<string, unknown>) => {
        const res = await h.app.inject({ method: "POST", url, headers, payload });
        assert.ok(res.statusCode < 300, `${url}: ${res.statusCode} ${res.body}`);
        return res.json() as { id: string };
      };
      await post(`/api/v1/companies/${adaCo.id}/invitations`, as(ada), {
        email: "invitee@example.com",
        role: "member",
      });
      sentInvitationToken = h.linkToken("invitee@example.com");
      await post(`/api/v1/companies/${adaCo.id}/api-keys`, as(ada), { name: "ada's key", scopes: ["members:read"] });
      await post(`/api/v1/companies/${adaCo.id}/partners`, as(ada), {
        partnerSlug: `other-co-${engine.engine}`,
        scopes: ["company:read"],
      });
      await post(`/api/v1/companies/${otherCo.id}/invitations`, other.headers, { email: ada.email, role: "viewer" });
      // An unused password-reset link, and a failed sign-in counted against the address.
      await h.app.inject({ method: "POST", url: "/api/v1/auth/password/forgot", payload: { email: ada.email } });
      await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { email: ada.email, password: "not-the-password-at-all", clientType: "native" },
      });
    });
    after(() => h.close());

    it("exports one of every kind of record, each in its category", async () => {
      const res = await h.app.inject({ url: "/api/v1/users/me/export", headers: { ...ada.headers, "user-agent": UA } });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.equal(body.user.email, ada.email);
      assert.ok(body.sessions.length >= 1 && body.sessions.every((s: { ip: string }) => s.ip === "127.0.0.1"));
      assert.deepEqual(
        body.memberships.map((m: { companyId: string; role: string }) => [m.companyId, m.role]),
        [[adaCo.id, "owner"]],
      );
      assert.deepEqual(
        body.invitationsSent.map((i: { email: string }) => i.email),
        ["invitee@example.com"],
      );
      assert.deepEqual(
        body.invitationsReceived.map((i: { companyId: string }) => i.companyId),
        [otherCo.id],
      );
      assert.deepEqual(
        body.apiKeysCreated.map((k: { name: string }) => k.name),
        ["ada's key"],
      );
      assert.equal(body.partnerships.length, 1);
      assert.equal(body.partnerships[0].requestedByPerson, true);
      assert.ok(body.emailTokens.some((t: { purpose: string }) => t.purpose === "reset_password"));
      assert.equal(body.loginThrottle.length, 1);
      assert.equal(body.loginThrottle[0].failures, 1);
      const actions = body.auditEvents.map((e: { action: string }) => e.action);
      for (const action of ["user.registered", "company.created", "invitation.created", "api_key.created"])
        assert.ok(actions.includes(action), `${action} in ${actions}`);
      const ownCreate = body.auditEvents.find((e: { action: string }) => e.action === "api_key.created");
      assert.equal(ownCreate.userAgent, UA, "the person's own requests carry their User-Agent");
      assert.ok(!JSON.stringify(body).includes(`"secret`), "no secret or hash in the export");
      assert.ok(!JSON.stringify(body).includes("token_hash"));
    });

    it("erases sessions, tokens, memberships, invitations and her IP and User-Agent; the trail still verifies", async () => {
      const res = await h.app.inject({
        method: "DELETE",
        url: "/api/v1/users/me",
        headers: { ...ada.headers, "user-agent": UA },
        payload: { password: STRONG_PASSWORD },
      });
      assert.equal(res.statusCode, 204, res.body);
      const count = async (table: "sessions" | "email_tokens" | "memberships") =>
        (await db().selectFrom(table).select("user_id").where("user_id", "=", ada.userId).execute()).length;
      assert.equal(await count("sessions"), 0, "sessions (with IP and User-Agent) are deleted");
      assert.equal(await count("email_tokens"), 0, "unused mailed tokens are deleted");
      assert.equal(await count("memberships"), 0, "a deleted account is a member of nothing");
      assert.equal((await db().selectFrom("login_throttles").selectAll().execute()).length, 0);
      const invitations = await db().selectFrom("invitations").selectAll().execute();
      assert.ok(
        !invitations.some((i) => i.email === ada.email || i.email === "invitee@example.com"),
        "no address left",
      );
      const sent = invitations.find((i) => i.invited_by === ada.userId);
      assert.equal(sent?.status, "revoked", "an invitation she sent no longer admits anyone");
      const events = await db().selectFrom("audit_events").selectAll().where("actor_id", "=", ada.userId).execute();
      assert.ok(events.length >= 5);
      for (const e of events) assert.deepEqual([e.ip, e.user_agent, e.personal_salt], [null, null, null], e.action);
      assert.ok(
        // The last-owner rule's hook removes her memberships first (companies/account-deletion.ts).
        (
          await db()
            .selectFrom("audit_events")
            .select("id")
            .where("action", "=", "member.removed")
            .where("target_id", "=", ada.userId)
            .execute()
        ).length === 1,
        "her company's trail says why she left",
      );
      const report = await verifyAuditChains(db(), ["platform", streamOf(adaCo.id), streamOf(otherCo.id)]);
      assert.deepEqual(report.broken, []);
      const user = await db().selectFrom("users").selectAll().where("id", "=", ada.userId).executeTakeFirstOrThrow();
      assert.deepEqual([user.name, user.password_hash, user.email.includes("example.com")], ["", null, false]);
    });

    it("an invitation the erased person sent can no longer be accepted", async () => {
      // The very person invited, with the mailed link: only the erasure stands in the way.
      const invitee = await signedInUser(h, "invitee@example.com");
      const res = await h.app.inject({
        method: "POST",
        url: "/api/v1/invitations/accept",
        headers: bearer(invitee.accessToken),
        payload: { token: sentInvitationToken },
      });
      assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${res.statusCode} ${res.body}`);
    });
  });
}
