import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { enginesUnderTest } from "../../helpers/database.ts";
import {
  bearer,
  type IdentityHarness,
  identityHarness,
  STRONG_PASSWORD,
  signedInUser,
} from "../../helpers/identity.ts";
import { createCompany, joinDirectly, newUser, type SignedIn } from "../../helpers/tenancy.ts";

// POST /companies/{companyId}/invitations/{invitationId}/resend (invitations/resend.ts):
// a new link, a new week, the mail again; the previous link is dead.

const SEVEN_DAYS_MS = 7 * 24 * 60 * 60 * 1000;
let sequence = 0;
const freshEmail = (label: string) => `${label}-${++sequence}-${Date.now()}@example.com`;

for (const engine of await enginesUnderTest()) {
  describe(`invitation resend (${engine.engine})`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    let owner: SignedIn;
    let company: { id: string };
    before(async () => {
      h = await identityHarness(engine);
      owner = await newUser(h, "owner");
      company = await createCompany(h.app, owner, "resending-co", "Resending Co");
    });
    after(() => h.close());

    const call = (user: { headers: { authorization: string } }, method: string, url: string, payload?: object) =>
      h.app.inject({ method: method as "GET", url, headers: user.headers, ...(payload ? { payload } : {}) });
    const invitations = (companyId = company.id) => `/api/v1/companies/${companyId}/invitations`;
    const invite = async (by: SignedIn, email: string, role = "member") => {
      const res = await call(by, "POST", invitations(), { email, role });
      assert.equal(res.statusCode, 201, res.body);
      return res.json() as { id: string; expiresAt: string };
    };
    const resend = (by: { headers: { authorization: string } }, id: string, companyId = company.id) =>
      call(by, "POST", `${invitations(companyId)}/${id}/resend`);
    const accept = (user: { headers: { authorization: string } }, token: string) =>
      call(user, "POST", "/api/v1/invitations/accept", { token });
    const row = (id: string) =>
      h.database.handle.db.selectFrom("invitations").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    const signIn = async (email: string) => {
      const res = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { email, password: STRONG_PASSWORD, clientType: "native" },
      });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json() as { accessToken: string; user: { id: string } };
      return { userId: body.user.id, email, accessToken: body.accessToken, headers: bearer(body.accessToken) };
    };
    const mailsTo = (email: string) => h.mails().filter((m) => m.includes(email)).length;

    it("refuses a revoked or an accepted invitation with 409 invitation.not_resendable", async () => {
      const revokedEmail = freshEmail("revoked");
      const revoked = await invite(owner, revokedEmail);
      assert.equal((await call(owner, "DELETE", `${invitations()}/${revoked.id}`)).statusCode, 204);
      const mailsBefore = mailsTo(revokedEmail);
      const refused = await resend(owner, revoked.id);
      assert.equal(refused.statusCode, 409, refused.body);
      assert.equal(refused.json().code, "invitation.not_resendable");
      assert.match(String(refused.headers["content-type"]), /application\/problem\+json/);
      assert.equal(mailsTo(revokedEmail), mailsBefore, "nothing mailed");
      assert.equal((await row(revoked.id)).status, "revoked");

      const acceptedEmail = freshEmail("accepted");
      const accepted = await invite(owner, acceptedEmail);
      const token = h.linkToken(acceptedEmail);
      const invitee = await signedInUser(h, acceptedEmail);
      assert.equal((await accept({ headers: bearer(invitee.accessToken) }, token)).statusCode, 200);
      const again = await resend(owner, accepted.id);
      assert.equal(again.statusCode, 409);
      assert.equal(again.json().code, "invitation.not_resendable");
    });

    it("needs the right to invite as the invitation's role; another company's invitation is 404", async () => {
      const email = freshEmail("guarded");
      const created = await invite(owner, email, "admin");
      const member = await newUser(h, "plain-member");
      await joinDirectly(h, company.id, member, "member");
      const denied = await resend(member, created.id);
      assert.equal(denied.statusCode, 403);
      assert.equal(denied.json().code, "access.denied");
      const manager = await newUser(h, "manager");
      await joinDirectly(h, company.id, manager, "manager");
      const tooStrong = await resend(manager, created.id);
      assert.equal(tooStrong.statusCode, 403);
      assert.equal(tooStrong.json().code, "member.role_too_strong");
      const token = h.linkToken(email);
      assert.equal(
        (await row(created.id)).token_hash,
        createHash("sha256").update(token).digest("hex"),
        "a refused resend leaves the link as it was",
      );

      const otherOwner = await newUser(h, "other-owner");
      const other = await createCompany(h.app, otherOwner, `other-${Date.now()}`);
      const foreign = await resend(otherOwner, created.id, other.id);
      assert.equal(foreign.statusCode, 404);
      assert.equal(foreign.json().code, "invitation.not_found");
      const unknown = await resend(owner, "0190a0a0-0000-7000-8000-000000000000");
      assert.equal(unknown.statusCode, 404);
      assert.equal((await resend(owner, "not-a-uuid")).statusCode, 422);
    });

    // Last: moving the clock a week expires every access token signed so far.
    it("mails a lapsed invitation again with a new link valid 7 days from now; the previous link is refused, the new one joins", async () => {
      const email = freshEmail("lapsed");
      const created = await invite(owner, email, "manager");
      const oldToken = h.linkToken(email);
      const invitee = await signedInUser(h, email);
      const replacedEmail = freshEmail("replaced");
      const replaced = await invite(owner, replacedEmail);
      // The usual reason: the first link lapsed.
      h.clock.advance(8 * 24 * 60 * 60);
      const ownerNow = await signIn(owner.email);
      const inviteeNow = await signIn(email);
      assert.equal((await accept(inviteeNow, oldToken)).json().code, "invitation.expired");
      const ids = async (query: string) =>
        (await call(ownerNow, "GET", `${invitations()}${query}`)).json().items.map((i: { id: string }) => i.id);
      assert.equal((await ids("")).includes(created.id), false, "a lapsed invitation is not listed by default");
      assert.ok((await ids("?includeExpired=true")).includes(created.id), "includeExpired lists it, to resend");

      // A lapsed invitation that a newer one replaced stays replaced.
      assert.equal(
        (await call(ownerNow, "POST", invitations(), { email: replacedEmail, role: "member" })).statusCode,
        201,
      );
      const superseded = await resend(ownerNow, replaced.id);
      assert.equal(superseded.statusCode, 409, superseded.body);
      assert.equal(superseded.json().code, "invitation.not_resendable");

      const mailsBefore = mailsTo(email);
      const sentFrom = h.clock.now().getTime();
      const resent = await resend(ownerNow, created.id);
      assert.equal(resent.statusCode, 200, resent.body);
      assert.equal(resent.json().id, created.id);
      assert.equal(resent.json().role, "manager");
      assert.equal(resent.json().invitedBy, owner.userId);
      const expiresAt = new Date(resent.json().expiresAt).getTime();
      assert.ok(expiresAt >= sentFrom + SEVEN_DAYS_MS && expiresAt <= h.clock.now().getTime() + SEVEN_DAYS_MS);
      assert.equal((await row(created.id)).expires_at, resent.json().expiresAt);
      assert.equal(mailsTo(email), mailsBefore + 1, "the invitation is mailed again");
      const newToken = h.linkToken(email);
      assert.notEqual(newToken, oldToken);
      assert.equal((await row(created.id)).token_hash, createHash("sha256").update(newToken).digest("hex"));
      const listed = await call(ownerNow, "GET", invitations());
      assert.ok(
        listed.json().items.some((i: { id: string }) => i.id === created.id),
        "pending and listed again",
      );

      const stale = await accept(inviteeNow, oldToken);
      assert.equal(stale.statusCode, 404, stale.body);
      assert.equal(stale.json().code, "invitation.not_found");
      const joined = await accept(inviteeNow, newToken);
      assert.equal(joined.statusCode, 200, joined.body);
      assert.equal(joined.json().myRole, "manager");
      assert.equal((await row(created.id)).accepted_by, invitee.userId);

      const events = await h.database.handle.db
        .selectFrom("audit_events")
        .selectAll()
        .where("stream", "=", `company:${company.id}`)
        .where("action", "=", "invitation.resent")
        .where("target_id", "=", created.id)
        .execute();
      assert.equal(events.length, 1);
      assert.equal(events[0]?.actor_type, "user");
      assert.equal(events[0]?.actor_id, owner.userId);
      const metadata = JSON.parse(String(events[0]?.metadata));
      assert.equal(metadata.role, "manager");
      assert.equal(metadata.previousExpiresAt, created.expiresAt);
      assert.equal(String(events[0]?.metadata).includes(email), false, "never the invitee's address");
    });
  });
}
