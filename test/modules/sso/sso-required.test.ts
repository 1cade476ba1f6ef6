import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { enginesUnderTest } from "../../helpers/database.ts";
import { STRONG_PASSWORD, signedInUser } from "../../helpers/identity.ts";
import { codeFor, ticketFor, userWithTotp, verifyMfa } from "../../helpers/mfa.ts";
import { passkeyCalls } from "../../helpers/passkeys.ts";
import { joinDirectly, newUser, type SignedIn } from "../../helpers/tenancy.ts";
import { type SsoWorld, ssoSignIn, ssoWorld } from "./fixture.ts";

for (const engine of await enginesUnderTest()) {
  describe(`SSO required for a verified domain (${engine.engine})`, { skip: engine.skip }, () => {
    let w: SsoWorld;
    let domainId: string;
    let passwordUser: { email: string; userId: string };
    let breakGlass: { email: string; userId: string };
    let withFactor: Awaited<ReturnType<typeof userWithTotp>>;
    let admin: SignedIn;
    let withPasskey: Awaited<ReturnType<ReturnType<typeof passkeyCalls>["userWithPasskey"]>>;

    const login = (email: string) =>
      w.h.app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { email, password: STRONG_PASSWORD, clientType: "native" },
      });
    const setRequired = (who: SignedIn, ssoRequired: boolean) =>
      w.h.app.inject({
        method: "PUT",
        url: `/api/v1/companies/${w.company.id}/sso/domains/${domainId}/policy`,
        headers: who.headers,
        payload: { ssoRequired },
      });

    before(async () => {
      w = await ssoWorld(engine);
      const domains = await w.h.app.inject({
        method: "GET",
        url: `/api/v1/companies/${w.company.id}/sso/domains`,
        headers: w.owner.headers,
      });
      domainId = (domains.json() as { items: { id: string }[] }).items[0]?.id as string;
      // Accounts of the domain that signed up with a password before SSO was required.
      passwordUser = { email: `pat@${w.domain}`, userId: (await signedInUser(w.h, `pat@${w.domain}`)).userId };
      breakGlass = { email: `glass@${w.domain}`, userId: (await signedInUser(w.h, `glass@${w.domain}`)).userId };
      withFactor = await userWithTotp(w.h, `totp@${w.domain}`);
      withPasskey = await passkeyCalls(w.h).userWithPasskey(`passkey@${w.domain}`);
      const adminEmail = `admin-${Date.now()}@elsewhere.test`;
      const adminUser = await signedInUser(w.h, adminEmail);
      admin = {
        userId: adminUser.userId,
        accessToken: adminUser.accessToken,
        email: adminEmail,
        headers: { authorization: `Bearer ${adminUser.accessToken}` },
      };
      await joinDirectly(w.h, w.company.id, admin, "admin");
      await joinDirectly(w.h, w.company.id, { ...admin, userId: breakGlass.userId }, "member");
      // Required from the start, so that each test below holds on its own (the claims ledger
      // runs cited tests alone); the first test proves who may set it.
      const required = await setRequired(w.owner, true);
      assert.equal(required.statusCode, 200, required.body);
    });
    after(() => w.close());

    it("only an owner may require SSO (company:security), and only for a verified domain", async () => {
      const byAdmin = await setRequired(admin, true);
      assert.equal(byAdmin.statusCode, 403, byAdmin.body);
      const pending = await w.h.app.inject({
        method: "POST",
        url: `/api/v1/companies/${w.company.id}/sso/domains`,
        headers: w.owner.headers,
        payload: { domain: `pending-${Date.now()}.test` },
      });
      const unverified = await w.h.app.inject({
        method: "PUT",
        url: `/api/v1/companies/${w.company.id}/sso/domains/${pending.json().id}/policy`,
        headers: w.owner.headers,
        payload: { ssoRequired: true },
      });
      assert.equal(unverified.statusCode, 409);
      assert.equal(unverified.json().code, "sso.domain_not_verified");
      const res = await setRequired(w.owner, true);
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().ssoRequired, true);
    });

    it("password login of an address of the domain is refused with a problem pointing to SSO", async () => {
      const res = await login(passwordUser.email);
      assert.equal(res.statusCode, 403, res.body);
      const problem = res.json() as { code: string; ssoStart: { path: string; body: { companySlug: string } } };
      assert.equal(problem.code, "auth.sso_required");
      assert.equal(problem.ssoStart.path, "/api/v1/auth/sso/start");
      assert.equal(problem.ssoStart.body.companySlug, w.company.slug);
      // A wrong password still answers as a wrong password: the policy says nothing to a guesser.
      const wrong = await w.h.app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { email: passwordUser.email, password: "not-the-password-at-all", clientType: "native" },
      });
      assert.equal(wrong.statusCode, 401);
      assert.equal(wrong.json().code, "auth.invalid_credentials");
    });

    it("an account with a second factor is refused before any ticket is handed out", async () => {
      const res = await login(withFactor.email);
      assert.equal(res.statusCode, 403, res.body);
      assert.equal(res.json().code, "auth.sso_required");
    });

    it("passwordless passkey sign-in of an address of the domain is refused too", async () => {
      const res = await passkeyCalls(w.h).signIn(withPasskey.authenticator);
      assert.equal(res.statusCode, 403, res.body);
      assert.equal(res.json().code, "auth.sso_required");
    });

    it("SSO sign-in of the same address works, and the account keeps its id", async () => {
      w.idp.accounts.set("pat", { sub: "pat", email: passwordUser.email, email_verified: true, name: "Pat" });
      const res = await ssoSignIn(w, "pat");
      assert.equal(res.statusCode, 200, res.body);
      assert.equal((res.json() as { user: { id: string } }).user.id, passwordUser.userId);
    });

    it("an SSO session of an account with its own second factor is not ended at refresh (the IdP decides its strength)", async () => {
      w.idp.accounts.set("totp", { sub: "totp", email: withFactor.email, email_verified: true });
      const res = await ssoSignIn(w, "totp");
      assert.equal(res.statusCode, 200, res.body);
      const cookie = [res.headers["set-cookie"]].flat().find((c) => c?.startsWith("rampart_refresh="));
      assert.ok(cookie);
      const refreshed = await w.h.app.inject({
        method: "POST",
        url: "/api/v1/auth/refresh",
        headers: { cookie: cookie.split(";")[0] as string, origin: w.h.config.PUBLIC_APP_URL },
      });
      assert.equal(refreshed.statusCode, 200, refreshed.body);
      assert.ok((refreshed.json() as { accessToken?: string }).accessToken, "tokens, not an MFA challenge");
    });

    it("a break-glass member the company names may still sign in with a password", async () => {
      assert.equal((await login(breakGlass.email)).statusCode, 403);
      const named = await w.h.app.inject({
        method: "PUT",
        url: `/api/v1/companies/${w.company.id}/sso/break-glass`,
        headers: w.owner.headers,
        payload: { userIds: [breakGlass.userId] },
      });
      assert.equal(named.statusCode, 200, named.body);
      const res = await login(breakGlass.email);
      assert.equal(res.statusCode, 200, res.body);
      // Only members may be named.
      const notMember = await w.h.app.inject({
        method: "PUT",
        url: `/api/v1/companies/${w.company.id}/sso/break-glass`,
        headers: w.owner.headers,
        payload: { userIds: [breakGlass.userId, (await newUser(w.h, "not-a-member")).userId] },
      });
      assert.equal(notMember.statusCode, 422, notMember.body);
    });

    it("addresses of other domains are not affected; lifting the requirement restores password login", async () => {
      const other = await login(admin.email);
      assert.equal(other.statusCode, 200, other.body);
      const lifted = await setRequired(w.owner, false);
      assert.equal(lifted.statusCode, 200);
      assert.equal((await login(passwordUser.email)).statusCode, 200);
      // And the second factor completes again.
      const ticket = await ticketFor(w.h, withFactor.email);
      const done = await verifyMfa(w.h, { ticket: ticket.ticket, code: codeFor(w.h, withFactor.secret) });
      assert.equal(done.statusCode, 200, done.body);
      const passkey = await passkeyCalls(w.h).signIn(withPasskey.authenticator);
      assert.equal(passkey.statusCode, 200, passkey.body);
    });
  });
}
