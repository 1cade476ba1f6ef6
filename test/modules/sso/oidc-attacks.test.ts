import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { enginesUnderTest } from "../../helpers/database.ts";
import { decodeJwt, newSigningKey, signIdToken, unsignedIdToken } from "../../helpers/oidc-provider.ts";
import { OTHER_BROWSER_COOKIE } from "../../helpers/sso-browser.ts";
import { callback, type SsoWorld, ssoSignIn, ssoWorld, throughIdp } from "./fixture.ts";

/**
 * What the OIDC callback refuses. The IdP is real; the forged ID tokens replace the genuine
 * one in its token response (what a network attacker or a compromised token endpoint path
 * would deliver), re-signed with the IdP's own key where only a claim is wrong, so that the
 * claim check — not the signature — is what refuses them.
 */
for (const engine of await enginesUnderTest()) {
  describe(`OIDC callback attacks are refused (${engine.engine})`, { skip: engine.skip }, () => {
    let w: SsoWorld;
    let email: string;
    before(async () => {
      w = await ssoWorld(engine);
      email = `mallory-target@${w.domain}`;
      w.idp.accounts.set("victim", { sub: "victim", email, email_verified: true, name: "Victim" });
    });
    after(() => w.close());

    const accountCount = async () =>
      (await w.h.database.handle.db.selectFrom("users").select("id").where("email", "=", email).execute()).length;

    /** Runs the flow to the callback with the next ID token rewritten; returns the callback's answer. */
    async function withForgedIdToken(forge: (genuine: string) => Promise<string> | string) {
      const url = await throughIdp(w, "victim", { email });
      w.idp.tamperNextIdToken(async (genuine) => forge(genuine));
      return callback(w, url);
    }

    const problem = (res: { statusCode: number; json(): unknown }) => [
      res.statusCode,
      (res.json() as { code: string }).code,
    ];

    it("a state Rampart never issued", async () => {
      const url = await throughIdp(w, "victim", { email });
      url.searchParams.set("state", "made-up-state-value");
      assert.deepEqual(problem(await callback(w, url)), [400, "sso.invalid_state"]);
      const missing = new URL(url);
      missing.searchParams.delete("state");
      assert.deepEqual(problem(await callback(w, missing)), [400, "sso.invalid_state"]);
    });

    it("a callback in another browser than the one that started the sign-in (login CSRF), or with no binding cookie", async () => {
      // The attacker starts a sign-in in their own browser and gets the IdP's redirect back;
      // the victim's browser, lured to that URL, carries another binding cookie (or none).
      const url = await throughIdp(w, "victim", { email });
      const elsewhere = await w.h.app.inject({
        method: "GET",
        url: `${url.pathname}${url.search}`,
        headers: { accept: "application/json", cookie: OTHER_BROWSER_COOKIE },
      });
      assert.deepEqual(problem(elsewhere), [400, "sso.invalid_state"]);
      assert.ok(!elsewhere.cookies.some((c) => c.name === "rampart_refresh"), "no session in that browser");
      // The flow was consumed by that try: not even the starting browser can use it now.
      assert.deepEqual(problem(await callback(w, url)), [400, "sso.invalid_state"]);
      const next = await throughIdp(w, "victim", { email });
      const bare = await w.h.app.inject({
        method: "GET",
        url: `${next.pathname}${next.search}`,
        headers: { accept: "application/json", cookie: "rampart_sso=" },
      });
      assert.deepEqual(problem(bare), [400, "sso.invalid_state"]);
    });

    it("a replayed callback (the state is single use, even after a success)", async () => {
      const url = await throughIdp(w, "victim", { email });
      const first = await callback(w, url);
      assert.equal(first.statusCode, 200, first.body);
      assert.deepEqual(problem(await callback(w, url)), [400, "sso.invalid_state"]);
    });

    it("a code from another sign-in presented with this state (PKCE binds the code to its flow)", async () => {
      const a = await throughIdp(w, "victim", { email });
      const b = await throughIdp(w, "victim", { email });
      const swapped = new URL(b);
      swapped.searchParams.set("code", a.searchParams.get("code") as string);
      assert.deepEqual(problem(await callback(w, swapped)), [401, "sso.idp_response_rejected"]);
    });

    it("an expired flow", async () => {
      const url = await throughIdp(w, "victim", { email });
      await w.h.database.handle.db
        .updateTable("sso_login_flows")
        .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
        .execute();
      assert.deepEqual(problem(await callback(w, url)), [400, "sso.invalid_state"]);
    });

    it("the IdP's error answer", async () => {
      const url = await throughIdp(w, "victim", { email });
      const denied = new URL(url);
      denied.searchParams.delete("code");
      denied.searchParams.set("error", "access_denied");
      assert.deepEqual(problem(await callback(w, denied)), [401, "sso.idp_error"]);
    });

    it("the IdP's error answer with an error_uri (RFC 6749 §4.1.2.1) is the same refusal, not a 422", async () => {
      const url = await throughIdp(w, "victim", { email });
      const denied = new URL(url);
      denied.searchParams.delete("code");
      denied.searchParams.set("error", "access_denied");
      denied.searchParams.set("error_description", "The user said no");
      denied.searchParams.set("error_uri", "https://idp.example/errors/access_denied");
      assert.deepEqual(problem(await callback(w, denied)), [401, "sso.idp_error"]);
    });

    it("an ID token for another client (aud)", async () => {
      const before = await accountCount();
      const res = await withForgedIdToken((genuine) =>
        signIdToken({ ...decodeJwt(genuine), aud: "some-other-client" }, w.idp.signingKey),
      );
      assert.deepEqual(problem(res), [401, "sso.idp_response_rejected"]);
      assert.equal(await accountCount(), before);
    });

    it("an ID token from another issuer", async () => {
      const res = await withForgedIdToken((genuine) =>
        signIdToken({ ...decodeJwt(genuine), iss: "https://evil.example" }, w.idp.signingKey),
      );
      assert.deepEqual(problem(res), [401, "sso.idp_response_rejected"]);
    });

    it("an expired ID token", async () => {
      const now = Math.floor(Date.now() / 1000);
      const res = await withForgedIdToken((genuine) =>
        signIdToken({ ...decodeJwt(genuine), iat: now - 7200, exp: now - 3600 }, w.idp.signingKey),
      );
      assert.deepEqual(problem(res), [401, "sso.idp_response_rejected"]);
    });

    it("a wrong or missing nonce", async () => {
      const wrong = await withForgedIdToken((genuine) =>
        signIdToken({ ...decodeJwt(genuine), nonce: "another-sign-ins-nonce" }, w.idp.signingKey),
      );
      assert.deepEqual(problem(wrong), [401, "sso.idp_response_rejected"]);
      const missing = await withForgedIdToken((genuine) => {
        const { nonce: _dropped, ...claims } = decodeJwt(genuine);
        return signIdToken(claims, w.idp.signingKey);
      });
      assert.deepEqual(problem(missing), [401, "sso.idp_response_rejected"]);
    });

    it("an ID token signed by a key not in the IdP's JWKS (unknown kid, or the IdP's kid with another key)", async () => {
      const rogue = await newSigningKey("rogue-key");
      const unknownKid = await withForgedIdToken((genuine) => signIdToken(decodeJwt(genuine), rogue));
      assert.deepEqual(problem(unknownKid), [401, "sso.idp_response_rejected"]);
      const borrowedKid = await withForgedIdToken((genuine) =>
        signIdToken(decodeJwt(genuine), rogue, { kid: w.idp.signingKey.kid }),
      );
      assert.deepEqual(problem(borrowedKid), [401, "sso.idp_response_rejected"]);
    });

    it("an unsigned ID token (alg: none)", async () => {
      const before = await accountCount();
      const res = await withForgedIdToken((genuine) => unsignedIdToken(decodeJwt(genuine)));
      assert.deepEqual(problem(res), [401, "sso.idp_response_rejected"]);
      assert.equal(await accountCount(), before);
    });

    it("email_verified: false for an address of the verified domain", async () => {
      const address = `unverified@${w.domain}`;
      w.idp.accounts.set("unverified", { sub: "unverified", email: address, email_verified: false });
      const res = await ssoSignIn(w, "unverified");
      assert.deepEqual(problem(res), [403, "sso.email_not_trusted"]);
      const users = await w.h.database.handle.db
        .selectFrom("users")
        .select("id")
        .where("email", "=", address)
        .execute();
      assert.equal(users.length, 0, "no account was created");
      const logged = w.h.logs.lines().find((line) => Reflect.get(line, "securityEvent") === "sso.sign_in_refused");
      assert.ok(logged, "a security event is logged");
      assert.equal(Reflect.get(logged, "code"), "sso.email_not_trusted");
      assert.ok(!w.h.logs.text().includes(address), "the address itself is not logged");
    });

    it("an address outside the company's verified domains (the IdP is trusted for its company's domains only)", async () => {
      w.idp.accounts.set("outsider", { sub: "outsider", email: "ceo@victim-bank.test", email_verified: true });
      // Discovery by the company's slug; the IdP then asserts someone else's address.
      const url = await throughIdp(w, "outsider", { companySlug: w.company.slug });
      assert.deepEqual(problem(await callback(w, url)), [403, "sso.email_not_trusted"]);
    });

    it("a sign-in through a connection disabled meanwhile", async () => {
      const url = await throughIdp(w, "victim", { email });
      const off = await w.h.app.inject({
        method: "POST",
        url: `/api/v1/companies/${w.company.id}/sso/connections/${w.connectionId}/disable`,
        headers: w.owner.headers,
      });
      assert.equal(off.statusCode, 200, off.body);
      try {
        assert.deepEqual(problem(await callback(w, url)), [403, "sso.connection_disabled"]);
        // And discovery no longer routes to it.
        const start = await w.h.app.inject({ method: "POST", url: "/api/v1/auth/sso/start", payload: { email } });
        assert.ok(!(start.json() as { redirectUrl: string }).redirectUrl.startsWith(w.idp.issuer));
      } finally {
        const on = await w.h.app.inject({
          method: "POST",
          url: `/api/v1/companies/${w.company.id}/sso/connections/${w.connectionId}/enable`,
          headers: w.owner.headers,
        });
        assert.equal(on.statusCode, 200);
      }
    });

    it("an IdP key rotation is followed: tokens under the new key are accepted, the retired key's are not", async () => {
      const retired = w.idp.signingKey;
      const fresh = await newSigningKey("key-2");
      // The IdP now signs with key-2 and no longer publishes key-1.
      w.idp.rotateKeys([fresh]);
      const res = await ssoSignIn(w, "victim");
      assert.equal(res.statusCode, 200, res.body);
      const withRetired = await withForgedIdToken((genuine) => signIdToken(decodeJwt(genuine), retired));
      assert.deepEqual(problem(withRetired), [401, "sso.idp_response_rejected"]);
    });
  });
}
