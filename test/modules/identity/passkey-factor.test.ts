import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { enginesUnderTest } from "../../helpers/database.ts";
import { bearer, type IdentityHarness, identityHarness, STRONG_PASSWORD } from "../../helpers/identity.ts";
import { claimsOf, codeFor, ticketFor, UA, userWithTotp, verifyMfa } from "../../helpers/mfa.ts";
import { localAuthenticator, PASSKEYS_API, passkeyCalls } from "../../helpers/passkeys.ts";
import type { RequestOptionsLike, SoftwareAuthenticator } from "../../helpers/software-authenticator.ts";
import { createCompany, joinDirectly, makePlatformAdmin, newUser } from "../../helpers/tenancy.ts";

// A passkey as the second factor of a password sign-in, of step-up and of factor removal,
// and the amr of a passwordless sign-in (issue #23).

for (const engine of await enginesUnderTest()) {
  describe(`identity: passkeys as a second factor on ${engine.engine}`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    let calls: ReturnType<typeof passkeyCalls>;
    before(async () => {
      h = await identityHarness(engine, { LOGIN_MAX_FAILURES: "8", MFA_TICKET_MAX_FAILURES: "3" });
      calls = passkeyCalls(h);
    });
    after(() => h?.close());

    const ticketOptions = (ticket: string, userAgent = UA) =>
      h.app.inject({
        method: "POST",
        url: "/api/v1/auth/mfa/webauthn/options",
        headers: { "user-agent": userAgent },
        payload: { ticket },
      });

    async function assertionFor(ticket: string, authenticator: SoftwareAuthenticator, tamper = false) {
      const options = await ticketOptions(ticket);
      assert.equal(options.statusCode, 200, options.body);
      return authenticator.assert(options.json() as RequestOptionsLike, { tamperSignature: tamper });
    }

    const reauthenticate = (token: string, payload: Record<string, unknown>) =>
      h.app.inject({ method: "POST", url: "/api/v1/auth/reauthenticate", headers: bearer(token), payload });

    it("a password sign-in of a passkey-only account asks for the passkey; the assertion completes it with amr pwd+hwk+mfa", async () => {
      const user = await calls.userWithPasskey("pk-mfa@example.com");
      const challenge = await ticketFor(h, "pk-mfa@example.com");
      assert.deepEqual(challenge.factors, ["webauthn"]);

      // Options only for the client that signed in; asking does not use the ticket.
      const elsewhere = await ticketOptions(challenge.ticket, "another-agent/2.0");
      assert.equal(elsewhere.statusCode, 401);
      assert.equal(elsewhere.json().code, "mfa.invalid_ticket");
      const options = await ticketOptions(challenge.ticket);
      assert.equal(options.statusCode, 200, options.body);
      const listed = (options.json() as { allowCredentials: { id: string }[] }).allowCredentials;
      assert.equal(listed.length, 1, "the account's own passkey is offered");

      const res = await verifyMfa(h, {
        ticket: challenge.ticket,
        webauthn: user.authenticator.assert(options.json() as RequestOptionsLike),
      });
      assert.equal(res.statusCode, 200, res.body);
      const claims = claimsOf(res.json().accessToken);
      assert.deepEqual(claims.amr, ["pwd", "hwk", "mfa"]);
      const nowS = h.clock.now().getTime() / 1000;
      assert.ok(nowS - Number(claims.auth_time) < 5);

      // The ticket was used.
      const again = await ticketOptions(challenge.ticket);
      assert.equal(again.json().code, "mfa.invalid_ticket");
    });

    it("a synced passkey proves swk", async () => {
      const user = await calls.userWithPasskey("pk-synced@example.com", localAuthenticator({ backupEligible: true }));
      const { ticket } = await ticketFor(h, "pk-synced@example.com");
      const res = await verifyMfa(h, { ticket, webauthn: await assertionFor(ticket, user.authenticator) });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(claimsOf(res.json().accessToken).amr, ["pwd", "swk", "mfa"]);
    });

    it("tampered assertions count as wrong codes: the ticket dies after MFA_TICKET_MAX_FAILURES, even for a right one after", async () => {
      const user = await calls.userWithPasskey("pk-dies@example.com");
      const { ticket } = await ticketFor(h, "pk-dies@example.com");
      const right = await assertionFor(ticket, user.authenticator);
      for (let i = 0; i < 3; i++) {
        const wrong = await verifyMfa(h, { ticket, webauthn: await assertionFor(ticket, user.authenticator, true) });
        assert.equal(wrong.statusCode, 401, wrong.body);
        assert.equal(wrong.json().code, "mfa.invalid_code");
      }
      const late = await verifyMfa(h, { ticket, webauthn: right });
      assert.equal(late.statusCode, 401);
      assert.equal(late.json().code, "mfa.invalid_ticket");
      const failures = await h.database.handle.db
        .selectFrom("audit_events")
        .select("action")
        .where("action", "=", "mfa.code_failed")
        .where("target_id", "=", user.userId)
        .execute();
      assert.equal(failures.length, 3);
    });

    it("another account's passkey is a wrong code and counts toward the lockout", async () => {
      await calls.userWithPasskey("pk-lock@example.com");
      const other = await calls.userWithPasskey("pk-lock-other@example.com");
      // Seven wrong proofs, then the eighth attempt of any kind locks (LOGIN_MAX_FAILURES 8).
      for (let i = 0; i < 7; i++) {
        const { ticket } = await ticketFor(h, "pk-lock@example.com");
        const options = (await ticketOptions(ticket)).json() as RequestOptionsLike;
        const foreign = other.authenticator.assert(options, {}, other.authenticator.credentials[0]);
        const wrong = await verifyMfa(h, { ticket, webauthn: foreign });
        assert.equal(wrong.statusCode, 401, wrong.body);
        assert.equal(wrong.json().code, "mfa.invalid_code");
      }
      const locked = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { email: "pk-lock@example.com", password: STRONG_PASSWORD, clientType: "native" },
      });
      assert.equal(locked.statusCode, 401);
      assert.ok(locked.headers["retry-after"], "the eighth attempt starts the lockout");
    });

    it("reauthenticates with a passkey (step-up), and removing a passkey needs it", async () => {
      const user = await calls.userWithPasskey("pk-stepup@example.com");
      const { ticket } = await ticketFor(h, "pk-stepup@example.com");
      const signedIn = await verifyMfa(h, { ticket, webauthn: await assertionFor(ticket, user.authenticator) });
      const token = String(signedIn.json().accessToken);
      const second = localAuthenticator();
      const added = await calls.post(
        `${PASSKEYS_API}/registration/verify`,
        { name: "Key", credential: second.register(await calls.registrationOptions(token)) },
        token,
      );
      assert.equal(added.statusCode, 201, added.body);

      h.clock.advance(601);
      const refused = await h.app.inject({
        method: "DELETE",
        url: `${PASSKEYS_API}/${added.json().id}`,
        headers: bearer(token),
      });
      assert.equal(refused.statusCode, 401, refused.body);
      assert.equal(refused.json().code, "auth.step_up_required");
      assert.match(String(refused.headers["www-authenticate"]), /acr_values="mfa"/);

      // The password alone does not reauthenticate an account with a passkey.
      const passwordOnly = await reauthenticate(token, { password: STRONG_PASSWORD });
      assert.equal(passwordOnly.statusCode, 422, passwordOnly.body);

      const reauth = await reauthenticate(token, { webauthn: await reauthAssertion(token, second) });
      assert.equal(reauth.statusCode, 200, reauth.body);
      assert.deepEqual(reauth.json().amr, ["pwd", "hwk", "mfa"]);
      const removed = await h.app.inject({
        method: "DELETE",
        url: `${PASSKEYS_API}/${added.json().id}`,
        headers: bearer(String(reauth.json().accessToken)),
      });
      assert.equal(removed.statusCode, 204, removed.body);
    });

    /** A step-up assertion, for the options of POST /auth/reauthenticate/webauthn/options. */
    async function reauthAssertion(token: string, authenticator: SoftwareAuthenticator) {
      const res = await calls.post("/api/v1/auth/reauthenticate/webauthn/options", {}, token);
      assert.equal(res.statusCode, 200, res.body);
      return authenticator.assert(res.json() as RequestOptionsLike);
    }

    it("adding a passkey needs step-up; a passkey proves removal of a TOTP factor; the last factor gone takes the recovery codes with it", async () => {
      const user = await userWithTotp(h, "pk-remove@example.com");
      // Adding a passkey is a step-up action: the session that confirmed TOTP proved a factor.
      const stepped = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/refresh",
        payload: { refreshToken: user.refreshToken },
      });
      const mfaToken = String(stepped.json().accessToken);
      const authenticator = localAuthenticator();
      const stale = await calls.post(
        `${PASSKEYS_API}/registration/verify`,
        { name: "Key", credential: authenticator.register(await calls.registrationOptions(user.accessToken)) },
        user.accessToken,
      );
      assert.equal(stale.statusCode, 401, "a token without the factor cannot add a passkey");
      assert.equal(stale.json().code, "auth.step_up_required");
      const added = await calls.post(
        `${PASSKEYS_API}/registration/verify`,
        { name: "Key", credential: authenticator.register(await calls.registrationOptions(mfaToken)) },
        mfaToken,
      );
      assert.equal(added.statusCode, 201, added.body);
      h.clock.advance(300); // past the enrolment's step
      const challenge = await ticketFor(h, "pk-remove@example.com");
      assert.deepEqual(challenge.factors, ["totp", "webauthn", "recovery_code"]);
      const signedIn = await verifyMfa(h, { ticket: challenge.ticket, code: codeFor(h, user.secret) });
      assert.equal(signedIn.statusCode, 200, signedIn.body);
      const token = String(signedIn.json().accessToken);

      const tampered = await h.app.inject({
        method: "DELETE",
        url: `/api/v1/auth/factors/${user.factorId}`,
        headers: bearer(token),
        payload: {
          password: STRONG_PASSWORD,
          webauthn: { ...(await reauthAssertion(token, authenticator)), id: "AAAA" },
        },
      });
      assert.equal(tampered.statusCode, 422, tampered.body);
      assert.equal(tampered.json().errors[0].path, "/body/webauthn");
      const removed = await h.app.inject({
        method: "DELETE",
        url: `/api/v1/auth/factors/${user.factorId}`,
        headers: bearer(token),
        payload: { password: STRONG_PASSWORD, webauthn: await reauthAssertion(token, authenticator) },
      });
      assert.equal(removed.statusCode, 204, removed.body);
      const codesLeft = async () =>
        (await h.app.inject({ method: "GET", url: "/api/v1/auth/factors", headers: bearer(token) })).json()
          .recoveryCodesRemaining;
      assert.equal(await codesLeft(), 10, "the passkey is still a factor: the codes stay");

      const last = await h.app.inject({
        method: "DELETE",
        url: `${PASSKEYS_API}/${added.json().id}`,
        headers: bearer(token),
      });
      assert.equal(last.statusCode, 204, last.body);
      assert.equal(await codesLeft(), 0, "no factor left: the codes went with the last one");
      const login = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { email: "pk-remove@example.com", password: STRONG_PASSWORD, clientType: "native" },
      });
      assert.ok(login.json().accessToken, "the password alone signs in again");
    });

    it("a passwordless sign-in is multi-factor: amr hwk+mfa, auth_time now; it passes step-up and survives refresh", async () => {
      const user = await calls.userWithPasskey("pk-passwordless@example.com");
      const res = await calls.signIn(user.authenticator);
      assert.equal(res.statusCode, 200, res.body);
      const claims = claimsOf(res.json().accessToken);
      assert.deepEqual(claims.amr, ["hwk", "mfa"]);
      assert.ok(h.clock.now().getTime() / 1000 - Number(claims.auth_time) < 5);
      const refreshed = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/refresh",
        payload: { refreshToken: res.json().refreshToken },
      });
      assert.equal(refreshed.statusCode, 200, refreshed.body);
      assert.ok(refreshed.json().accessToken, "not asked for a second factor");
      const removed = await h.app.inject({
        method: "DELETE",
        url: `${PASSKEYS_API}/${user.passkeyId}`,
        headers: bearer(String(res.json().accessToken)),
      });
      assert.equal(removed.statusCode, 204, removed.body);
    });

    it("a platform admin's factor reset removes passkeys too: the password alone signs in again", async () => {
      const admin = await newUser(h, "pk-reset-admin");
      await makePlatformAdmin(h, admin.userId);
      const user = await calls.userWithPasskey(`pk-reset-${Date.now()}@example.com`);
      const email = String(
        (await h.app.inject({ method: "GET", url: "/api/v1/users/me", headers: bearer(user.accessToken) })).json()
          .email,
      );
      const reset = await h.app.inject({
        method: "POST",
        url: `/api/v1/admin/users/${user.userId}/reset-factors`,
        headers: admin.headers,
      });
      assert.equal(reset.statusCode, 200, reset.body);
      assert.equal(reset.json().factorsRemoved, 1);
      const login = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { email, password: STRONG_PASSWORD, clientType: "native" },
      });
      assert.ok(login.json().accessToken, login.body);
    });

    it("a passkey-only member passes a company's second-factor policy", async () => {
      const owner = await newUser(h, "pk-policy-owner");
      const company = await createCompany(h.app, owner, `pk-policy-${Date.now()}`);
      const set = await h.app.inject({
        method: "PUT",
        url: `/api/v1/companies/${company.id}/mfa-policy`,
        headers: owner.headers,
        payload: { requireMfa: true },
      });
      assert.equal(set.statusCode, 200, set.body);
      const email = `pk-policy-member-${Date.now()}@example.com`;
      const member = await calls.userWithPasskey(email);
      await joinDirectly(h, company.id, { ...member, email, headers: bearer(member.accessToken) }, "member");
      const res = await h.app.inject({
        method: "GET",
        url: `/api/v1/companies/${company.id}`,
        headers: bearer(member.accessToken),
      });
      assert.equal(res.statusCode, 200, res.body);
    });
  });
}

describe("PLATFORM_ADMIN_REQUIRE_MFA with a passkey", () => {
  let h: IdentityHarness;
  before(async () => {
    const [engine] = await enginesUnderTest();
    if (!engine) throw new Error("no engine");
    h = await identityHarness(engine, { PLATFORM_ADMIN_REQUIRE_MFA: "true" });
  });
  after(() => h?.close());

  it("serves an admin whose only factor is a passkey, signed in passwordless with it", async () => {
    const calls = passkeyCalls(h);
    const admin = await calls.userWithPasskey("pk-admin@example.com");
    await makePlatformAdmin(h, admin.userId);
    const passwordless = await calls.signIn(admin.authenticator);
    assert.equal(passwordless.statusCode, 200, passwordless.body);
    const allowed = await h.app.inject({
      method: "GET",
      url: "/api/v1/admin/users",
      headers: bearer(String(passwordless.json().accessToken)),
    });
    assert.equal(allowed.statusCode, 200, allowed.body);
  });
});
