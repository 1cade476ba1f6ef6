import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { enginesUnderTest } from "../../helpers/database.ts";
import {
  bearer,
  type IdentityHarness,
  identityHarness,
  register,
  STRONG_PASSWORD,
  signedInUser,
} from "../../helpers/identity.ts";
import { createCompany, joinDirectly, newUser, type SignedIn } from "../../helpers/tenancy.ts";

const SEVEN_DAYS_S = 7 * 24 * 60 * 60;
let sequence = 0;
const freshEmail = (label: string) => `${label}-${++sequence}-${Date.now()}@example.com`;

for (const engine of await enginesUnderTest()) {
  describe(`invitations (${engine.engine})`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    let owner: SignedIn;
    let company: { id: string; slug: string; name: string };
    before(async () => {
      h = await identityHarness(engine);
      owner = await newUser(h, "owner");
      company = await createCompany(h.app, owner, "inviting-co", "Inviting Co");
    });
    after(() => h.close());

    const call = (user: { headers: { authorization: string } }, method: string, url: string, payload?: object) =>
      h.app.inject({ method: method as "GET", url, headers: user.headers, ...(payload ? { payload } : {}) });
    const invitations = (companyId = company.id) => `/api/v1/companies/${companyId}/invitations`;
    const invite = (by: SignedIn, email: string, role = "member", companyId = company.id) =>
      call(by, "POST", invitations(companyId), { email, role });
    const accept = (user: { headers: { authorization: string } }, token: string) =>
      call(user, "POST", "/api/v1/invitations/accept", { token });
    const invitationRow = (id: string) =>
      h.database.handle.db.selectFrom("invitations").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    const membership = (userId: string, companyId = company.id) =>
      h.database.handle.db
        .selectFrom("memberships")
        .selectAll()
        .where("company_id", "=", companyId)
        .where("user_id", "=", userId)
        .executeTakeFirst();
    /** Signs in someone whose account exists (after the clock moved, old access tokens have expired). */
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

    it("mails a link whose token joins the invitee once it registers; only the token's hash is stored", async () => {
      const email = freshEmail("invitee");
      const created = await invite(owner, email.toUpperCase(), "manager");
      assert.equal(created.statusCode, 201, created.body);
      const invitation = created.json();
      assert.equal(invitation.email, email, "the address is normalised");
      assert.equal(invitation.role, "manager");
      assert.equal(invitation.invitedBy, owner.userId);
      assert.equal(
        new Date(invitation.expiresAt).getTime() - new Date(invitation.createdAt).getTime(),
        SEVEN_DAYS_S * 1000,
      );
      assert.equal("token" in invitation, false);

      const mail =
        h
          .mails()
          .filter((m) => m.includes(email))
          .at(-1) ?? "";
      assert.match(mail.replace(/=\r?\n/g, ""), /http:\/\/localhost:3000\/invitations\/accept\?token=/);
      assert.match(mail, /Inviting Co/);
      assert.equal(mail.includes(owner.email), false, "the inviter's address is not in the mail");
      const token = h.linkToken(email);
      const row = await invitationRow(invitation.id);
      assert.equal(row.token_hash, createHash("sha256").update(token).digest("hex"));
      assert.equal(JSON.stringify(row).includes(token), false);

      // The invitee creates an account through the API, confirms it and signs in.
      const invitee = await signedInUser(h, email);
      const joined = await accept({ headers: bearer(invitee.accessToken) }, token);
      assert.equal(joined.statusCode, 200, joined.body);
      assert.equal(joined.json().id, company.id);
      assert.equal(joined.json().myRole, "manager");
      assert.equal((await membership(invitee.userId))?.role, "manager");
      const accepted = await invitationRow(invitation.id);
      assert.equal(accepted.status, "accepted");
      assert.equal(accepted.accepted_by, invitee.userId);
      const profile = await call({ headers: bearer(invitee.accessToken) }, "GET", `/api/v1/companies/${company.id}`);
      assert.equal(profile.statusCode, 200);

      const again = await accept({ headers: bearer(invitee.accessToken) }, token);
      assert.equal(again.statusCode, 409);
      assert.equal(again.json().code, "invitation.used");
      const pending = await call(owner, "GET", invitations());
      assert.equal(
        pending.json().items.some((i: { id: string }) => i.id === invitation.id),
        false,
        "an accepted invitation is no longer listed",
      );
    });

    it("refuses an account with another address; an unknown token is 404", async () => {
      const email = freshEmail("meant-for");
      const created = await invite(owner, email);
      const token = h.linkToken(email);
      const someoneElse = await newUser(h, "someone-else");
      const res = await accept(someoneElse, token);
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().code, "invitation.email_mismatch");
      assert.equal((await invitationRow(created.json().id)).status, "pending");
      assert.equal(await membership(someoneElse.userId), undefined);
      const unknown = await accept(someoneElse, "x".repeat(43));
      assert.equal(unknown.statusCode, 404);
      assert.equal(unknown.json().code, "invitation.not_found");
    });

    it("requires the invitee to have confirmed the address", async () => {
      const email = freshEmail("unconfirmed");
      await invite(owner, email);
      const token = h.linkToken(email);
      assert.equal((await register(h.app, email)).statusCode, 201);
      const user = await signIn(email);
      const res = await accept(user, token);
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().code, "invitation.email_unverified");
      assert.equal(await membership(user.userId), undefined);
    });

    it("refuses a second pending invitation to the same address and inviting a member", async () => {
      const email = freshEmail("twice");
      assert.equal((await invite(owner, email)).statusCode, 201);
      const dup = await invite(owner, email.toUpperCase(), "viewer");
      assert.equal(dup.statusCode, 409);
      assert.equal(dup.json().code, "invitation.duplicate");
      const member = await newUser(h, "already");
      await joinDirectly(h, company.id, member, "viewer");
      const res = await invite(owner, member.email);
      assert.equal(res.statusCode, 409);
      assert.equal(res.json().code, "member.already_member");
      const rows = await h.database.handle.db
        .selectFrom("invitations")
        .select("id")
        .where("email", "in", [email, member.email])
        .execute();
      assert.equal(rows.length, 1);
    });

    it("never invites above the inviter's own role; viewers cannot invite at all", async () => {
      const manager = await newUser(h, "manager");
      const viewer = await newUser(h, "viewer");
      await joinDirectly(h, company.id, manager, "manager");
      await joinDirectly(h, company.id, viewer, "viewer");
      const tooStrong = await invite(manager, freshEmail("boss"), "admin");
      assert.equal(tooStrong.statusCode, 403);
      assert.equal(tooStrong.json().code, "member.role_too_strong");
      assert.equal((await invite(manager, freshEmail("peer"), "manager")).statusCode, 201);
      const denied = await invite(viewer, freshEmail("friend"), "viewer");
      assert.equal(denied.statusCode, 403);
      assert.equal(denied.json().code, "access.denied");
      assert.equal((await invite(owner, freshEmail("bad-role"), "emperor")).statusCode, 422);
      assert.equal((await invite(owner, "not-an-address", "member")).statusCode, 422);
    });

    it("revokes a pending invitation: its link stops working; another company's id is 404", async () => {
      const email = freshEmail("revoked");
      const created = (await invite(owner, email)).json();
      const token = h.linkToken(email);
      const otherOwner = await newUser(h, "other-owner");
      const other = await createCompany(h.app, otherOwner, "other-inviter");
      const foreign = await call(otherOwner, "DELETE", `${invitations(other.id)}/${created.id}`);
      assert.equal(foreign.statusCode, 404);
      assert.equal(foreign.json().code, "invitation.not_found");
      assert.equal((await invitationRow(created.id)).status, "pending");

      assert.equal((await call(owner, "DELETE", `${invitations()}/${created.id}`)).statusCode, 204);
      assert.equal((await call(owner, "DELETE", `${invitations()}/${created.id}`)).statusCode, 404);
      const invitee = await signedInUser(h, email);
      const res = await accept({ headers: bearer(invitee.accessToken) }, token);
      assert.equal(res.statusCode, 409);
      assert.equal(res.json().code, "invitation.used");
      assert.equal(await membership(invitee.userId), undefined);
    });

    it("lists pending invitations a page at a time, only the company's own", async () => {
      const lister = await newUser(h, "lister");
      const own = await createCompany(h.app, lister, "listing-co");
      for (const label of ["a", "b", "c"])
        assert.equal((await invite(lister, freshEmail(label), "viewer", own.id)).statusCode, 201);
      const first = await call(lister, "GET", `${invitations(own.id)}?limit=2`);
      assert.equal(first.statusCode, 200);
      assert.equal(first.json().items.length, 2);
      const second = await call(lister, "GET", `${invitations(own.id)}?limit=2&cursor=${first.json().nextCursor}`);
      assert.equal(second.json().items.length, 1);
      assert.equal(second.json().nextCursor, null);
      const stranger = await newUser(h, "stranger");
      assert.equal((await call(stranger, "GET", invitations(own.id))).statusCode, 404);
    });

    it("writes nothing when the invitee already joined: the invitation stays pending, no second membership", async () => {
      const email = freshEmail("joined-meanwhile");
      const created = (await invite(owner, email, "admin")).json();
      const token = h.linkToken(email);
      const invitee = await signedInUser(h, email);
      const user = {
        userId: invitee.userId,
        email,
        accessToken: invitee.accessToken,
        headers: bearer(invitee.accessToken),
      };
      await joinDirectly(h, company.id, user, "viewer");
      const res = await accept(user, token);
      assert.equal(res.statusCode, 409);
      assert.equal(res.json().code, "member.already_member");
      const row = await invitationRow(created.id);
      assert.deepEqual([row.status, row.accepted_at, row.accepted_by], ["pending", null, null]);
      assert.equal((await membership(invitee.userId))?.role, "viewer");
      // No accepted invitation anywhere lacks its membership.
      const orphans = await h.database.handle.db
        .selectFrom("invitations")
        .leftJoin("memberships", (join) =>
          join
            .onRef("memberships.company_id", "=", "invitations.company_id")
            .onRef("memberships.user_id", "=", "invitations.accepted_by"),
        )
        .select("invitations.id")
        .where("invitations.status", "=", "accepted")
        .where("memberships.user_id", "is", null)
        .execute();
      assert.deepEqual(orphans, []);
    });

    // Last: moving the clock a week expires every access token signed so far.
    it("expires after 7 days (410); a new invitation may then replace the lapsed one", async () => {
      const email = freshEmail("late");
      const created = (await invite(owner, email, "viewer")).json();
      const token = h.linkToken(email);
      const invitee = await signedInUser(h, email);
      h.clock.advance(SEVEN_DAYS_S + 1);
      const user = await signIn(email);
      const res = await accept(user, token);
      assert.equal(res.statusCode, 410, res.body);
      assert.equal(res.json().code, "invitation.expired");
      assert.equal(await membership(invitee.userId), undefined);
      const ownerNow = await signIn(owner.email);
      const listed = await call(ownerNow, "GET", invitations());
      assert.equal(
        listed.json().items.some((i: { id: string }) => i.id === created.id),
        false,
      );
      const again = await invite(ownerNow, email, "viewer");
      assert.equal(again.statusCode, 201, again.body);
      assert.equal((await invitationRow(created.id)).status, "expired");
      const expiredToken = await accept(user, token);
      assert.equal(expiredToken.json().code, "invitation.expired");
      const joined = await accept(user, h.linkToken(email));
      assert.equal(joined.statusCode, 200, joined.body);
    });
  });
}
