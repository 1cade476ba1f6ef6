import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { enginesUnderTest } from "../../helpers/database.ts";
import { bearer, type IdentityHarness, identityHarness, signedInUser } from "../../helpers/identity.ts";
import {
  assertProblem,
  forwardPasskeyCalls,
  localAuthenticator,
  PASSKEYS_API,
  passkeyCalls,
} from "../../helpers/passkeys.ts";
import type { CeremonyOverrides } from "../../helpers/software-authenticator.ts";

// Passkey registration and passwordless sign-in over HTTP with a software authenticator
// (test/helpers/software-authenticator.ts): real attestation and assertion objects, each
// tampered with the way an attacker or a broken client would.

for (const engine of await enginesUnderTest()) {
  describe(`identity: passkey registration and sign-in on ${engine.engine}`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    let calls: ReturnType<typeof passkeyCalls>;
    before(async () => {
      h = await identityHarness(engine);
      calls = passkeyCalls(h);
    });
    after(() => h?.close());
    const { post, registrationOptions, signInOptions, userWithPasskey, signIn } = forwardPasskeyCalls(() => calls);

    it("registers a passkey and signs in with it, passwordless, over HTTP", async () => {
      const ada = await userWithPasskey("pk-ada@example.com");
      const res = await signIn(ada.authenticator);
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.equal(body.tokenType, "Bearer");
      assert.equal(body.user.id, ada.userId);
      assert.ok(body.refreshToken, "a native client gets its refresh token in the body");
      const me = await h.app.inject({ method: "GET", url: "/api/v1/users/me", headers: bearer(body.accessToken) });
      assert.equal(me.statusCode, 200);
      assert.equal(me.json().email, "pk-ada@example.com");
      // The refresh token works like a password login's.
      const refreshed = await post("/api/v1/auth/refresh", { refreshToken: body.refreshToken });
      assert.equal(refreshed.statusCode, 200, refreshed.body);
      const list = await h.app.inject({ method: "GET", url: PASSKEYS_API, headers: bearer(ada.accessToken) });
      const [passkey] = list.json().items;
      assert.equal(passkey.name, "Laptop");
      assert.equal(passkey.deviceType, "singleDevice");
      assert.deepEqual(passkey.transports, ["internal"]);
      assert.ok(passkey.lastUsedAt, "the sign-in is recorded on the passkey");
      assert.equal(passkey.publicKey, undefined, "no key material is shown");
    });

    it("a browser sign-in gets the refresh token as a cookie only, and the options ask for a discoverable credential with user verification", async () => {
      const ada = await userWithPasskey("pk-browser@example.com");
      const options = await registrationOptions(ada.accessToken);
      assert.equal(Reflect.get(options, "authenticatorSelection").residentKey, "required");
      assert.equal(Reflect.get(options, "authenticatorSelection").userVerification, "required");
      assert.equal(options.rp.id, "localhost");
      assert.equal(Reflect.get(options, "excludeCredentials").length, 1, "the existing passkey is excluded");
      const signInOpts = await signInOptions();
      assert.equal(Reflect.get(signInOpts, "userVerification"), "required");
      assert.deepEqual(signInOpts.allowCredentials, [], "passwordless: nobody is named");
      const res = await post(`${PASSKEYS_API}/sign-in/verify`, { credential: ada.authenticator.assert(signInOpts) });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().refreshToken, undefined);
      assert.match(String(res.headers["set-cookie"]), /rampart_refresh=.*HttpOnly/);
    });

    it("refuses a registration made on another origin, for another RP ID, without user verification, or for a challenge never issued", async () => {
      const user = await signedInUser(h, "pk-reg-tamper@example.com");
      const authenticator = localAuthenticator();
      const cases: [CeremonyOverrides, string][] = [
        [{ origin: "https://evil.example" }, "passkey.origin_rejected"],
        [{ rpId: "evil.example" }, "passkey.rp_id_mismatch"],
        [{ userVerified: false }, "passkey.user_verification_required"],
        [{ challenge: Buffer.alloc(32, 7).toString("base64url") }, "passkey.challenge_invalid"],
        [{ type: "webauthn.get" }, "passkey.verification_failed"],
      ];
      for (const [overrides, code] of cases) {
        const credential = authenticator.register(await registrationOptions(user.accessToken), overrides);
        const res = await post(`${PASSKEYS_API}/registration/verify`, { credential }, user.accessToken);
        assertProblem(res, 400, code);
      }
      const list = await h.app.inject({ method: "GET", url: PASSKEYS_API, headers: bearer(user.accessToken) });
      assert.deepEqual(list.json().items, [], "nothing was stored");
    });

    it("a registration challenge is single-use, bound to its user, and expires", async () => {
      const ada = await signedInUser(h, "pk-reg-once@example.com");
      const eve = await signedInUser(h, "pk-reg-eve@example.com");
      const authenticator = localAuthenticator();
      const options = await registrationOptions(ada.accessToken);
      // Eve cannot answer Ada's challenge on her own account.
      const stolen = await post(
        `${PASSKEYS_API}/registration/verify`,
        { credential: authenticator.register(options) },
        eve.accessToken,
      );
      assertProblem(stolen, 400, "passkey.challenge_invalid");
      const fresh = await registrationOptions(ada.accessToken);
      const first = await post(
        `${PASSKEYS_API}/registration/verify`,
        { credential: authenticator.register(fresh) },
        ada.accessToken,
      );
      assert.equal(first.statusCode, 201, first.body);
      // Now the account has a factor, adding a passkey needs a token that used it (step-up):
      // the registering session did, from its next token on.
      const refreshed = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/refresh",
        payload: { refreshToken: ada.refreshToken },
      });
      const token = String(refreshed.json().accessToken);
      const again = await post(
        `${PASSKEYS_API}/registration/verify`,
        { credential: authenticator.register(fresh) },
        token,
      );
      assertProblem(again, 400, "passkey.challenge_invalid");
      const late = await registrationOptions(token);
      h.clock.advance(h.config.WEBAUTHN_CHALLENGE_TTL_S + 1);
      try {
        const res = await post(
          `${PASSKEYS_API}/registration/verify`,
          { credential: authenticator.register(late) },
          token,
        );
        assertProblem(res, 400, "passkey.challenge_invalid");
      } finally {
        h.clock.advance(-(h.config.WEBAUTHN_CHALLENGE_TTL_S + 1));
      }
    });

    it("refuses a sign-in with a tampered origin, RP ID hash, challenge or signature, or without user verification", async () => {
      const ada = await userWithPasskey("pk-tamper@example.com");
      const cases: [CeremonyOverrides, string][] = [
        [{ origin: "https://evil.example" }, "passkey.origin_rejected"],
        [{ rpId: "evil.example" }, "passkey.rp_id_mismatch"],
        [{ challenge: Buffer.alloc(32, 9).toString("base64url") }, "passkey.challenge_invalid"],
        [{ tamperSignature: true }, "passkey.signature_invalid"],
        [{ userVerified: false }, "passkey.user_verification_required"],
      ];
      for (const [overrides, code] of cases) {
        const res = await signIn(ada.authenticator, overrides);
        assertProblem(res, 401, code);
        assert.equal(res.json().accessToken, undefined);
      }
      // The real thing still works afterwards (the counter kept moving forward).
      assert.equal((await signIn(ada.authenticator)).statusCode, 200);
    });

    it("a sign-in challenge answered twice signs in once", async () => {
      const ada = await userWithPasskey("pk-replay@example.com");
      const options = await signInOptions();
      const credential = ada.authenticator.assert(options);
      const first = await post(`${PASSKEYS_API}/sign-in/verify`, { credential, clientType: "native" });
      assert.equal(first.statusCode, 200, first.body);
      // The same response again (a replay), and a fresh signature over the spent challenge.
      assertProblem(await post(`${PASSKEYS_API}/sign-in/verify`, { credential }), 401, "passkey.challenge_invalid");
      const resigned = ada.authenticator.assert(options);
      assertProblem(
        await post(`${PASSKEYS_API}/sign-in/verify`, { credential: resigned }),
        401,
        "passkey.challenge_invalid",
      );
    });

    it("refuses a regressed signature counter as a possible clone, audited and logged", async () => {
      const ada = await userWithPasskey("pk-clone@example.com");
      assert.equal((await signIn(ada.authenticator, { counter: 5 })).statusCode, 200);
      for (const counter of [5, 3]) {
        const res = await signIn(ada.authenticator, { counter });
        assertProblem(res, 401, "passkey.counter_regressed");
      }
      const events = await h.database.handle.db
        .selectFrom("audit_events")
        .selectAll()
        .where("action", "=", "passkey.counter_regressed")
        .where("target_id", "=", ada.userId)
        .orderBy("occurred_at")
        .execute();
      assert.equal(events.length, 2);
      assert.deepEqual(JSON.parse(events[1]?.metadata ?? "{}"), {
        factorId: ada.passkeyId,
        presentedCounter: 3,
        storedCounter: 5,
      });
      assert.ok(
        h.logs.lines().some((l) => l.securityEvent === "passkey.counter_regressed" && l.userId === ada.userId),
        "a security event is logged",
      );
      assert.equal((await signIn(ada.authenticator, { counter: 6 })).statusCode, 200, "the genuine one goes on");
    });

    it("garbage in the binary fields is a 4xx problem, never a 500", async () => {
      const user = await signedInUser(h, "pk-garbage@example.com");
      const authenticator = localAuthenticator();
      for (const attestationObject of ["", "AAAA", Buffer.from("not cbor at all").toString("base64url")]) {
        const credential = authenticator.register(await registrationOptions(user.accessToken));
        credential.response = { ...credential.response, attestationObject };
        const res = await post(`${PASSKEYS_API}/registration/verify`, { credential }, user.accessToken);
        assertProblem(res, 400, "passkey.verification_failed");
      }
      const ada = await userWithPasskey("pk-garbage-signin@example.com");
      for (const field of ["authenticatorData", "signature"] as const) {
        for (const value of ["", "AAAA"]) {
          const credential = ada.authenticator.assert(await signInOptions());
          credential.response = { ...credential.response, [field]: value };
          const res = await post(`${PASSKEYS_API}/sign-in/verify`, { credential });
          assert.ok([401, 422].includes(res.statusCode), `${field}=${value}: ${res.body}`);
          assert.match(String(res.headers["content-type"]), /application\/problem\+json/);
        }
      }
    });

    it("an unknown credential, a malformed response and a suspended account are refused", async () => {
      const stranger = localAuthenticator();
      stranger.register({ challenge: "x", rp: {}, user: { id: "bm9ib2R5" } });
      assertProblem(await signIn(stranger), 401, "passkey.unknown_credential");
      const options = await signInOptions();
      const garbage = { ...stranger.assert(options) };
      garbage.response = { ...garbage.response, clientDataJSON: Buffer.from("not json").toString("base64url") };
      assertProblem(
        await post(`${PASSKEYS_API}/sign-in/verify`, { credential: garbage }),
        401,
        "passkey.malformed_response",
      );
      const invalid = await post(`${PASSKEYS_API}/sign-in/verify`, { credential: { id: "a" } });
      assert.equal(invalid.statusCode, 422);
      const ada = await userWithPasskey("pk-suspended@example.com");
      await h.database.handle.db
        .updateTable("users")
        .set({ status: "suspended" })
        .where("id", "=", ada.userId)
        .execute();
      assertProblem(await signIn(ada.authenticator), 403, "auth.account_suspended");
    });

    it("of two sign-ins carrying the same counter at once, one starts a session", async () => {
      const ada = await userWithPasskey("pk-race@example.com");
      const [first, second] = await Promise.all([signInOptions(), signInOptions()]);
      assert.ok(first && second);
      const responses = await Promise.all(
        [first, second].map((options) =>
          post(`${PASSKEYS_API}/sign-in/verify`, { credential: ada.authenticator.assert(options, { counter: 10 }) }),
        ),
      );
      assert.deepEqual(responses.map((r) => r.statusCode).sort(), [200, 401], responses.map((r) => r.body).join("\n"));
      const sessions = await h.database.handle.db
        .selectFrom("sessions")
        .select("id")
        .where("user_id", "=", ada.userId)
        .execute();
      assert.equal(sessions.length, 1 + 1, "the password login of the setup, and one passkey session");
    });
  });
}
