import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  createPasswordHasher,
  type IdentityDeps,
  passkeyAssertionOptionsForUser,
  userHasPasskeys,
  verifyPasskeyAssertionForUser,
} from "../../../src/modules/identity/index.ts";
import { enginesUnderTest } from "../../helpers/database.ts";
import {
  bearer,
  type IdentityHarness,
  identityHarness,
  ORIGIN,
  STRONG_PASSWORD,
  signedInUser,
} from "../../helpers/identity.ts";
import {
  type CeremonyOverrides,
  type CreationOptionsLike,
  type RequestOptionsLike,
  SoftwareAuthenticator,
} from "../../helpers/software-authenticator.ts";

// Passkeys over HTTP with a software authenticator (test/helpers/software-authenticator.ts):
// real attestation and assertion objects, each tampered with the way an attacker would.

const API = "/api/v1/auth/passkeys";

for (const engine of await enginesUnderTest()) {
  describe(`identity: passkeys on ${engine.engine}`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    before(async () => {
      h = await identityHarness(engine);
    });
    after(() => h?.close());

    const post = (url: string, payload?: object, token?: string) =>
      h.app.inject({ method: "POST", url, payload: payload ?? {}, headers: token ? bearer(token) : {} });

    async function registrationOptions(token: string): Promise<CreationOptionsLike> {
      const res = await post(`${API}/registration/options`, undefined, token);
      assert.equal(res.statusCode, 200, res.body);
      return res.json();
    }

    async function signInOptions(): Promise<RequestOptionsLike> {
      const res = await post(`${API}/sign-in/options`);
      assert.equal(res.statusCode, 200, res.body);
      return res.json();
    }

    /** A signed-in user with one passkey on `authenticator`. */
    async function userWithPasskey(email: string, authenticator = localAuthenticator(), name = "Laptop") {
      const user = await signedInUser(h, email);
      const credential = authenticator.register(await registrationOptions(user.accessToken));
      const res = await post(`${API}/registration/verify`, { name, credential }, user.accessToken);
      assert.equal(res.statusCode, 201, res.body);
      return { ...user, authenticator, passkeyId: String(res.json().id) };
    }

    const signIn = async (authenticator: SoftwareAuthenticator, o: CeremonyOverrides = {}) =>
      post(`${API}/sign-in/verify`, {
        credential: authenticator.assert(await signInOptions(), o),
        clientType: "native",
      });

    function assertProblem(
      res: { statusCode: number; json(): unknown; headers: object },
      status: number,
      code: string,
    ) {
      assert.equal(res.statusCode, status, JSON.stringify(res.json()));
      assert.match(String(Reflect.get(res.headers, "content-type")), /application\/problem\+json/);
      assert.equal(Reflect.get(Object(res.json()), "code"), code);
    }

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
      const list = await h.app.inject({ method: "GET", url: API, headers: bearer(ada.accessToken) });
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
      const res = await post(`${API}/sign-in/verify`, { credential: ada.authenticator.assert(signInOpts) });
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
        const res = await post(`${API}/registration/verify`, { credential }, user.accessToken);
        assertProblem(res, 400, code);
      }
      const list = await h.app.inject({ method: "GET", url: API, headers: bearer(user.accessToken) });
      assert.deepEqual(list.json().items, [], "nothing was stored");
    });

    it("a registration challenge is single-use, bound to its user, and expires", async () => {
      const ada = await signedInUser(h, "pk-reg-once@example.com");
      const eve = await signedInUser(h, "pk-reg-eve@example.com");
      const authenticator = localAuthenticator();
      const options = await registrationOptions(ada.accessToken);
      // Eve cannot answer Ada's challenge on her own account.
      const stolen = await post(
        `${API}/registration/verify`,
        { credential: authenticator.register(options) },
        eve.accessToken,
      );
      assertProblem(stolen, 400, "passkey.challenge_invalid");
      const fresh = await registrationOptions(ada.accessToken);
      const first = await post(
        `${API}/registration/verify`,
        { credential: authenticator.register(fresh) },
        ada.accessToken,
      );
      assert.equal(first.statusCode, 201, first.body);
      const again = await post(
        `${API}/registration/verify`,
        { credential: authenticator.register(fresh) },
        ada.accessToken,
      );
      assertProblem(again, 400, "passkey.challenge_invalid");
      const late = await registrationOptions(ada.accessToken);
      h.clock.advance(h.config.WEBAUTHN_CHALLENGE_TTL_S + 1);
      try {
        const res = await post(
          `${API}/registration/verify`,
          { credential: authenticator.register(late) },
          ada.accessToken,
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
      const first = await post(`${API}/sign-in/verify`, { credential, clientType: "native" });
      assert.equal(first.statusCode, 200, first.body);
      // The same response again (a replay), and a fresh signature over the spent challenge.
      assertProblem(await post(`${API}/sign-in/verify`, { credential }), 401, "passkey.challenge_invalid");
      const resigned = ada.authenticator.assert(options);
      assertProblem(await post(`${API}/sign-in/verify`, { credential: resigned }), 401, "passkey.challenge_invalid");
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

    it("an unknown credential, a malformed response and a suspended account are refused", async () => {
      const stranger = localAuthenticator();
      stranger.register({ challenge: "x", rp: {}, user: { id: "bm9ib2R5" } });
      assertProblem(await signIn(stranger), 401, "passkey.unknown_credential");
      const options = await signInOptions();
      const garbage = { ...stranger.assert(options) };
      garbage.response = { ...garbage.response, clientDataJSON: Buffer.from("not json").toString("base64url") };
      assertProblem(await post(`${API}/sign-in/verify`, { credential: garbage }), 401, "passkey.malformed_response");
      const invalid = await post(`${API}/sign-in/verify`, { credential: { id: "a" } });
      assert.equal(invalid.statusCode, 422);
      const ada = await userWithPasskey("pk-suspended@example.com");
      await h.database.handle.db
        .updateTable("users")
        .set({ status: "suspended" })
        .where("id", "=", ada.userId)
        .execute();
      assertProblem(await signIn(ada.authenticator), 403, "auth.account_suspended");
    });

    it("lists, renames and removes the user's own passkeys, audited; another user's answer 404 and stay", async () => {
      const ada = await userWithPasskey("pk-manage@example.com");
      const second = ada.authenticator.register(await registrationOptions(ada.accessToken));
      const added = await post(`${API}/registration/verify`, { credential: second }, ada.accessToken);
      assert.equal(added.statusCode, 201);
      assert.equal(added.json().name, "Passkey 2", "an unnamed passkey gets a numbered name");
      const eve = await signedInUser(h, "pk-manage-eve@example.com");
      const eveRename = await h.app.inject({
        method: "PATCH",
        url: `${API}/${ada.passkeyId}`,
        headers: bearer(eve.accessToken),
        payload: { name: "mine now" },
      });
      assertProblem(eveRename, 404, "passkey.not_found");
      const eveRemove = await h.app.inject({
        method: "DELETE",
        url: `${API}/${ada.passkeyId}`,
        headers: bearer(eve.accessToken),
      });
      assertProblem(eveRemove, 404, "passkey.not_found");
      const eveList = await h.app.inject({ method: "GET", url: API, headers: bearer(eve.accessToken) });
      assert.deepEqual(eveList.json().items, []);

      const renamed = await h.app.inject({
        method: "PATCH",
        url: `${API}/${ada.passkeyId}`,
        headers: bearer(ada.accessToken),
        payload: { name: "  YubiKey  " },
      });
      assert.equal(renamed.statusCode, 200, renamed.body);
      assert.equal(renamed.json().name, "YubiKey");
      const removed = await h.app.inject({
        method: "DELETE",
        url: `${API}/${String(added.json().id)}`,
        headers: bearer(ada.accessToken),
      });
      assert.equal(removed.statusCode, 204);
      const list = await h.app.inject({ method: "GET", url: API, headers: bearer(ada.accessToken) });
      assert.deepEqual(
        list.json().items.map((p: { name: string }) => p.name),
        ["YubiKey"],
      );
      const actions = await h.database.handle.db
        .selectFrom("audit_events")
        .select(["action", "actor_id"])
        .where("target_id", "=", ada.userId)
        .where("action", "like", "passkey.%")
        .orderBy("occurred_at")
        .execute();
      assert.deepEqual(
        actions.map((a) => a.action),
        ["passkey.registered", "passkey.registered", "passkey.renamed", "passkey.removed"],
      );
      assert.ok(actions.every((a) => a.actor_id === ada.userId));
      // A removed passkey no longer signs in.
      const gone = ada.authenticator.credentials.at(-1);
      assert.ok(gone);
      assertProblem(
        await post(`${API}/sign-in/verify`, { credential: ada.authenticator.assert(await signInOptions(), {}, gone) }),
        401,
        "passkey.unknown_credential",
      );
      const anonymous = await h.app.inject({ method: "GET", url: API });
      assert.equal(anonymous.statusCode, 401);
    });

    it("the same authenticator credential cannot be registered twice, on any account", async () => {
      const ada = await userWithPasskey("pk-dup@example.com");
      const original = ada.authenticator.credentials[0];
      assert.ok(original);
      const again = ada.authenticator.register(await registrationOptions(ada.accessToken), {}, original);
      const res = await post(`${API}/registration/verify`, { credential: again }, ada.accessToken);
      assertProblem(res, 409, "passkey.already_registered");
      const eve = await signedInUser(h, "pk-dup-eve@example.com");
      const onEve = ada.authenticator.register(await registrationOptions(eve.accessToken), {}, original);
      assertProblem(
        await post(`${API}/registration/verify`, { credential: onEve }, eve.accessToken),
        409,
        "passkey.already_registered",
      );
      const list = await h.app.inject({ method: "GET", url: API, headers: bearer(ada.accessToken) });
      assert.equal(list.json().items.length, 1);
    });

    it("of two sign-ins carrying the same counter at once, one starts a session", async () => {
      const ada = await userWithPasskey("pk-race@example.com");
      const [first, second] = await Promise.all([signInOptions(), signInOptions()]);
      assert.ok(first && second);
      const responses = await Promise.all(
        [first, second].map((options) =>
          post(`${API}/sign-in/verify`, { credential: ada.authenticator.assert(options, { counter: 10 }) }),
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

    it("deleting the account erases its passkeys: they sign in no more", async () => {
      const ada = await userWithPasskey("pk-deleted@example.com");
      const deleted = await h.app.inject({
        method: "DELETE",
        url: "/api/v1/users/me",
        headers: bearer(ada.accessToken),
        payload: { password: STRONG_PASSWORD },
      });
      assert.equal(deleted.statusCode, 204, deleted.body);
      const rows = await h.database.handle.db
        .selectFrom("passkeys")
        .select("id")
        .where("user_id", "=", ada.userId)
        .execute();
      assert.deepEqual(rows, []);
      assertProblem(await signIn(ada.authenticator), 401, "passkey.unknown_credential");
    });

    it("a passkey as a second factor: this account's passkeys only, hwk for a device-bound key and swk for a synced one", async () => {
      // What the MFA flow gets through identity's index.ts (the deps app.ts builds for identity).
      const deps: IdentityDeps = {
        ...h.deps,
        config: h.config,
        passwords: createPasswordHasher(),
        personalData: [],
        accountDeletion: async () => async () => {},
      };
      const ctx = { ip: "192.0.2.1", userAgent: "test", requestId: "second-factor" };
      const bound = await userWithPasskey("pk-2fa-bound@example.com");
      const synced = await userWithPasskey("pk-2fa-synced@example.com", localAuthenticator({ backupEligible: true }));
      assert.equal(await userHasPasskeys(deps, bound.userId), true);
      const plain = await signedInUser(h, "pk-2fa-none@example.com");
      assert.equal(await userHasPasskeys(deps, plain.userId), false);

      const options = await passkeyAssertionOptionsForUser(deps, bound.userId);
      assert.deepEqual(
        options.allowCredentials?.map((c) => c.id),
        bound.authenticator.credentials.map((c) => c.id.toString("base64url")),
      );
      // Without user verification: the password was the other factor.
      const verdict = await verifyPasskeyAssertionForUser(
        deps,
        bound.userId,
        bound.authenticator.assert(options, { userVerified: false }),
        ctx,
      );
      assert.deepEqual(verdict, { passed: true, amr: "hwk", passkeyId: bound.passkeyId, userVerified: false });
      const replay = await verifyPasskeyAssertionForUser(deps, bound.userId, bound.authenticator.assert(options), ctx);
      assert.deepEqual(replay, { passed: false, failure: "challenge_invalid" });

      const syncedVerdict = await verifyPasskeyAssertionForUser(
        deps,
        synced.userId,
        synced.authenticator.assert(await passkeyAssertionOptionsForUser(deps, synced.userId)),
        ctx,
      );
      assert.equal(syncedVerdict.passed && syncedVerdict.amr, "swk");

      // Another account's passkey is no factor of this account, and a sign-in challenge is no second-factor one.
      const foreign = await verifyPasskeyAssertionForUser(
        deps,
        bound.userId,
        synced.authenticator.assert(
          await passkeyAssertionOptionsForUser(deps, bound.userId),
          {},
          synced.authenticator.credentials[0],
        ),
        ctx,
      );
      assert.deepEqual(foreign, { passed: false, failure: "unknown_credential" });
      const wrongPurpose = await verifyPasskeyAssertionForUser(
        deps,
        bound.userId,
        bound.authenticator.assert(await signInOptions()),
        ctx,
      );
      assert.deepEqual(wrongPurpose, { passed: false, failure: "challenge_invalid" });
    });
  });
}

function localAuthenticator(options: { backupEligible?: boolean } = {}) {
  return new SoftwareAuthenticator({ origin: ORIGIN, rpId: "localhost", ...options });
}
