import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { decodeJwt } from "jose";
import { enginesUnderTest } from "../../helpers/database.ts";
import { bearer, ORIGIN } from "../../helpers/identity.ts";
import { followToCallback } from "../../helpers/oidc-provider.ts";
import { createCompany, newUser } from "../../helpers/tenancy.ts";
import { callback, REDIRECT_URI, type SsoWorld, ssoSignIn, ssoWorld, throughIdp } from "./fixture.ts";

for (const engine of await enginesUnderTest()) {
  describe(`OIDC single sign-on with a real identity provider (${engine.engine})`, { skip: engine.skip }, () => {
    let w: SsoWorld;
    before(async () => {
      w = await ssoWorld(engine);
    });
    after(() => w.close());

    it("first sign-in creates the account and the membership with the mapped role; the session says sso,oidc and its connection", async () => {
      const email = `alice@${w.domain}`;
      w.idp.accounts.set("alice", {
        sub: "alice",
        email,
        email_verified: true,
        name: "Alice Admin",
        groups: ["staff", "eng-admins"],
      });
      const res = await ssoSignIn(w, "alice");
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json() as {
        accessToken: string;
        refreshToken?: string;
        user: { email: string; emailVerified: boolean; name: string };
      };
      assert.equal(body.refreshToken, undefined, "the refresh token is never in the body");
      assert.equal(body.user.email, email);
      assert.equal(body.user.emailVerified, true);
      assert.equal(body.user.name, "Alice Admin");
      const cookie = [res.headers["set-cookie"]].flat().find((c) => c?.startsWith("rampart_refresh="));
      assert.ok(cookie, "refresh cookie set");
      assert.match(cookie, /HttpOnly/i);
      const claims = decodeJwt(body.accessToken);
      assert.deepEqual(claims.amr, ["sso", "oidc"]);

      const members = await w.h.app.inject({
        method: "GET",
        url: `/api/v1/companies/${w.company.id}/members`,
        headers: w.owner.headers,
      });
      const alice = (members.json() as { items: { email: string; role: string }[] }).items.find(
        (m) => m.email === email,
      );
      assert.equal(alice?.role, "admin");

      const session = await w.h.database.handle.db
        .selectFrom("sessions")
        .select(["sso_connection_id", "amr"])
        .where("id", "=", claims.sid as string)
        .executeTakeFirstOrThrow();
      assert.equal(session.sso_connection_id, w.connectionId);
      assert.equal(session.amr, "sso,oidc");

      // The refresh cookie works like a password login's.
      const refreshed = await w.h.app.inject({
        method: "POST",
        url: "/api/v1/auth/refresh",
        headers: { cookie: cookie.split(";")[0] as string, origin: ORIGIN },
      });
      assert.equal(refreshed.statusCode, 200, refreshed.body);
      assert.deepEqual(decodeJwt((refreshed.json() as { accessToken: string }).accessToken).amr, ["sso", "oidc"]);

      // And the member can act in the company as an admin.
      const me = await w.h.app.inject({
        method: "GET",
        url: `/api/v1/companies/${w.company.id}/sso/connections`,
        headers: bearer(body.accessToken),
      });
      assert.equal(me.statusCode, 200);
    });

    it("later sign-ins follow the IdP: a new name and groups change the account and the role (owners excepted)", async () => {
      w.idp.accounts.set("alice", {
        sub: "alice",
        email: `alice@${w.domain}`,
        email_verified: true,
        name: "Alice Renamed",
        groups: ["eng-managers"],
      });
      const res = await ssoSignIn(w, "alice");
      assert.equal(res.statusCode, 200, res.body);
      assert.equal((res.json() as { user: { name: string } }).user.name, "Alice Renamed");
      const members = await w.h.app.inject({
        method: "GET",
        url: `/api/v1/companies/${w.company.id}/members`,
        headers: w.owner.headers,
      });
      const alice = (members.json() as { items: { email: string; role: string }[] }).items.find(
        (m) => m.email === `alice@${w.domain}`,
      );
      assert.equal(alice?.role, "manager");
      const users = await w.h.database.handle.db
        .selectFrom("users")
        .select("id")
        .where("email", "=", `alice@${w.domain}`)
        .execute();
      assert.equal(users.length, 1, "the same account, not a second one");
    });

    it("a browser is sent on to the app with 303 and the cookie; no token in any URL", async () => {
      w.idp.accounts.set("bob", { sub: "bob", email: `bob@${w.domain}`, email_verified: true, groups: [] });
      const url = await throughIdp(w, "bob", { email: `bob@${w.domain}` });
      const res = await callback(w, url, "text/html,application/xhtml+xml");
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, `${ORIGIN}/sso/signed-in`);
      assert.ok([res.headers["set-cookie"]].flat().some((c) => c?.startsWith("rampart_refresh=")));
      assert.doesNotMatch(`${res.body} ${res.headers.location}`, /eyJ|accessToken|refresh/i, "no token in the answer");
    });

    it("the company slug finds the IdP too", async () => {
      w.idp.accounts.set("carol", { sub: "carol", email: `carol@${w.domain}`, email_verified: true });
      const url = await throughIdp(w, "carol", { companySlug: w.company.slug });
      const res = await callback(w, url);
      assert.equal(res.statusCode, 200, res.body);
      assert.equal((res.json() as { user: { email: string } }).user.email, `carol@${w.domain}`);
    });

    it("unknown domains and slugs get the same status and shape as known ones: no hint of who uses SSO", async () => {
      for (const payload of [
        { email: "someone@no-sso-here.test" },
        { companySlug: "no-such-company" },
        // A company without SSO.
        { companySlug: (await createCompany(w.h.app, w.owner, `plain-${Date.now()}`)).slug },
      ]) {
        const res = await w.h.app.inject({ method: "POST", url: "/api/v1/auth/sso/start", payload });
        assert.equal(res.statusCode, 200);
        assert.deepEqual(Object.keys(res.json()), ["redirectUrl"]);
        assert.equal((res.json() as { redirectUrl: string }).redirectUrl, `${ORIGIN}/sign-in`);
      }
      const known = await w.h.app.inject({
        method: "POST",
        url: "/api/v1/auth/sso/start",
        payload: { email: `x@${w.domain}` },
      });
      assert.equal(known.statusCode, 200);
      assert.deepEqual(Object.keys(known.json()), ["redirectUrl"]);
      const bad = await w.h.app.inject({ method: "POST", url: "/api/v1/auth/sso/start", payload: {} });
      assert.equal(bad.statusCode, 422);
    });

    it("an SSO-created member sees only their own company", async () => {
      w.idp.accounts.set("dave", { sub: "dave", email: `dave@${w.domain}`, email_verified: true });
      const res = await ssoSignIn(w, "dave");
      assert.equal(res.statusCode, 200, res.body);
      const token = (res.json() as { accessToken: string }).accessToken;
      const stranger = await newUser(w.h, "other-owner");
      const other = await createCompany(w.h.app, stranger, `other-${Date.now()}`);
      for (const url of [
        `/api/v1/companies/${other.id}`,
        `/api/v1/companies/${other.id}/members`,
        `/api/v1/companies/${other.id}/sso/connections`,
      ]) {
        const denied = await w.h.app.inject({ method: "GET", url, headers: bearer(token) });
        assert.equal(denied.statusCode, 404, `${url}: ${denied.body}`);
      }
      const own = await w.h.app.inject({
        method: "GET",
        url: `/api/v1/companies/${w.company.id}`,
        headers: bearer(token),
      });
      assert.equal(own.statusCode, 200);
      // A plain member may not manage the company's SSO.
      const manage = await w.h.app.inject({
        method: "GET",
        url: `/api/v1/companies/${w.company.id}/sso/connections`,
        headers: bearer(token),
      });
      assert.equal(manage.statusCode, 403);
    });

    it("test-connection runs a real login in dry mode: it reports the mapping and creates nothing", async () => {
      const email = `tess@${w.domain}`;
      w.idp.accounts.set("tess", { sub: "tess", email, email_verified: true, name: "Tess", groups: ["eng-managers"] });
      const started = await w.h.app.inject({
        method: "POST",
        url: `/api/v1/companies/${w.company.id}/sso/connections/${w.connectionId}/test`,
        headers: w.owner.headers,
      });
      assert.equal(started.statusCode, 200, started.body);
      const { testUrl } = started.json() as { testUrl: string };
      assert.ok(testUrl.startsWith(w.idp.issuer));
      w.idp.signInAs("tess");
      const res = await callback(w, await followToCallback(testUrl, REDIRECT_URI));
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), {
        dryRun: true,
        connectionId: w.connectionId,
        subject: "tess",
        email,
        emailVerified: true,
        name: "Tess",
        groups: ["eng-managers"],
        role: "manager",
        wouldSignIn: true,
        refusal: null,
        accountExists: false,
      });
      assert.equal(res.headers["set-cookie"], undefined, "no session");
      const users = await w.h.database.handle.db.selectFrom("users").select("id").where("email", "=", email).execute();
      assert.equal(users.length, 0, "no account");
      // A refusal is reported, not thrown.
      w.idp.accounts.set("tess", { sub: "tess", email, email_verified: false });
      const again = (
        await w.h.app.inject({
          method: "POST",
          url: `/api/v1/companies/${w.company.id}/sso/connections/${w.connectionId}/test`,
          headers: w.owner.headers,
        })
      ).json() as { testUrl: string };
      w.idp.signInAs("tess");
      const refused = await callback(w, await followToCallback(again.testUrl, REDIRECT_URI));
      assert.equal(refused.statusCode, 200);
      assert.equal(refused.json().wouldSignIn, false);
      assert.equal(refused.json().refusal, "sso.email_not_trusted");
    });

    it("two first sign-ins of one new address at once make one account and one membership", async () => {
      const email = `twin@${w.domain}`;
      w.idp.accounts.set("twin", { sub: "twin", email, email_verified: true });
      const a = await throughIdp(w, "twin", { email });
      const b = await throughIdp(w, "twin", { email });
      const [ra, rb] = await Promise.all([callback(w, a), callback(w, b)]);
      assert.equal(ra.statusCode, 200, ra.body);
      assert.equal(rb.statusCode, 200, rb.body);
      const users = await w.h.database.handle.db.selectFrom("users").select("id").where("email", "=", email).execute();
      assert.equal(users.length, 1);
      const memberships = await w.h.database.handle.db
        .selectFrom("memberships")
        .select("role")
        .where("user_id", "=", users[0]?.id as string)
        .execute();
      assert.deepEqual(
        memberships.map((m) => m.role),
        ["member"],
      );
    });

    it("the claim that says the address is verified is configurable (Entra ID's xms_edov)", async () => {
      const email = `entra@${w.domain}`;
      w.idp.accounts.set("entra", { sub: "entra", email, email_verified: false, xms_edov: true });
      const refused = await ssoSignIn(w, "entra");
      assert.equal(refused.statusCode, 403);
      const mapping = (emailVerifiedClaim: string) =>
        w.h.app.inject({
          method: "PATCH",
          url: `/api/v1/companies/${w.company.id}/sso/connections/${w.connectionId}`,
          headers: w.owner.headers,
          payload: { mapping: { emailVerifiedClaim } },
        });
      assert.equal((await mapping("xms_edov")).statusCode, 200);
      try {
        const res = await ssoSignIn(w, "entra");
        assert.equal(res.statusCode, 200, res.body);
      } finally {
        assert.equal((await mapping("email_verified")).statusCode, 200);
      }
    });

    it("a connection's maximum session age bounds the SSO session", async () => {
      const patched = await w.h.app.inject({
        method: "PATCH",
        url: `/api/v1/companies/${w.company.id}/sso/connections/${w.connectionId}`,
        headers: w.owner.headers,
        payload: { sessionMaxAgeS: 3600 },
      });
      assert.equal(patched.statusCode, 200, patched.body);
      w.idp.accounts.set("erin", { sub: "erin", email: `erin@${w.domain}`, email_verified: true });
      const res = await ssoSignIn(w, "erin");
      assert.equal(res.statusCode, 200, res.body);
      const sid = decodeJwt((res.json() as { accessToken: string }).accessToken).sid as string;
      const session = await w.h.database.handle.db
        .selectFrom("sessions")
        .select(["created_at", "expires_at"])
        .where("id", "=", sid)
        .executeTakeFirstOrThrow();
      assert.equal(Date.parse(session.expires_at) - Date.parse(session.created_at), 3600_000);
    });

    it("disabling the connection ends the sessions it started; password sessions stay", async () => {
      w.idp.accounts.set("frank", { sub: "frank", email: `frank@${w.domain}`, email_verified: true });
      const res = await ssoSignIn(w, "frank");
      assert.equal(res.statusCode, 200, res.body);
      const token = (res.json() as { accessToken: string }).accessToken;
      const me = () => w.h.app.inject({ method: "GET", url: "/api/v1/users/me", headers: bearer(token) });
      assert.equal((await me()).statusCode, 200);
      const off = await w.h.app.inject({
        method: "POST",
        url: `/api/v1/companies/${w.company.id}/sso/connections/${w.connectionId}/disable`,
        headers: w.owner.headers,
      });
      assert.equal(off.statusCode, 200, off.body);
      try {
        assert.equal((await me()).statusCode, 401, "the SSO session is over");
        const owners = await w.h.app.inject({ method: "GET", url: "/api/v1/users/me", headers: w.owner.headers });
        assert.equal(owners.statusCode, 200, "the owner's password session is not");
        const sid = decodeJwt(token).sid as string;
        const row = await w.h.database.handle.db
          .selectFrom("sessions")
          .select("revoked_reason")
          .where("id", "=", sid)
          .executeTakeFirstOrThrow();
        assert.equal(row.revoked_reason, "sso_connection_disabled");
      } finally {
        const on = await w.h.app.inject({
          method: "POST",
          url: `/api/v1/companies/${w.company.id}/sso/connections/${w.connectionId}/enable`,
          headers: w.owner.headers,
        });
        assert.equal(on.statusCode, 200);
      }
    });
  });
}
