import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  createPasswordHasher,
  type IdentityDeps,
  passkeyAssertionOptionsForUser,
  userHasPasskeys,
  verifyPasskeyAssertionForUser,
} from "../../../src/modules/identity/index.ts";
import { secretSealer } from "../../../src/platform/crypto/secret-sealer.ts";
import { enginesUnderTest } from "../../helpers/database.ts";
import {
  bearer,
  type IdentityHarness,
  identityHarness,
  STRONG_PASSWORD,
  signedInUser,
} from "../../helpers/identity.ts";
import {
  assertProblem,
  forwardPasskeyCalls,
  localAuthenticator,
  PASSKEYS_API,
  passkeyCalls,
} from "../../helpers/passkeys.ts";

// A user's passkeys once registered: managing them (own only, audited), their uniqueness,
// their erasure with the account, and the functions the MFA flow uses for a second factor.

for (const engine of await enginesUnderTest()) {
  describe(`identity: managing passkeys and the second factor on ${engine.engine}`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    let calls: ReturnType<typeof passkeyCalls>;
    before(async () => {
      h = await identityHarness(engine);
      calls = passkeyCalls(h);
    });
    after(() => h?.close());
    const { post, registrationOptions, signInOptions, userWithPasskey, signIn } = forwardPasskeyCalls(() => calls);

    it("lists, renames and removes the user's own passkeys, audited; another user's answer 404 and stay", async () => {
      const ada = await userWithPasskey("pk-manage@example.com");
      const second = ada.authenticator.register(await registrationOptions(ada.accessToken));
      const added = await post(`${PASSKEYS_API}/registration/verify`, { credential: second }, ada.accessToken);
      assert.equal(added.statusCode, 201);
      assert.equal(added.json().name, "Passkey 2", "an unnamed passkey gets a numbered name");
      const eve = await signedInUser(h, "pk-manage-eve@example.com");
      const eveRename = await h.app.inject({
        method: "PATCH",
        url: `${PASSKEYS_API}/${ada.passkeyId}`,
        headers: bearer(eve.accessToken),
        payload: { name: "mine now" },
      });
      assertProblem(eveRename, 404, "passkey.not_found");
      const eveRemove = await h.app.inject({
        method: "DELETE",
        url: `${PASSKEYS_API}/${ada.passkeyId}`,
        headers: bearer(eve.accessToken),
      });
      assertProblem(eveRemove, 404, "passkey.not_found");
      const eveList = await h.app.inject({ method: "GET", url: PASSKEYS_API, headers: bearer(eve.accessToken) });
      assert.deepEqual(eveList.json().items, []);

      const renamed = await h.app.inject({
        method: "PATCH",
        url: `${PASSKEYS_API}/${ada.passkeyId}`,
        headers: bearer(ada.accessToken),
        payload: { name: "  YubiKey  " },
      });
      assert.equal(renamed.statusCode, 200, renamed.body);
      assert.equal(renamed.json().name, "YubiKey");
      const removed = await h.app.inject({
        method: "DELETE",
        url: `${PASSKEYS_API}/${String(added.json().id)}`,
        headers: bearer(ada.accessToken),
      });
      assert.equal(removed.statusCode, 204);
      const list = await h.app.inject({ method: "GET", url: PASSKEYS_API, headers: bearer(ada.accessToken) });
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
        await post(`${PASSKEYS_API}/sign-in/verify`, {
          credential: ada.authenticator.assert(await signInOptions(), {}, gone),
        }),
        401,
        "passkey.unknown_credential",
      );
      const anonymous = await h.app.inject({ method: "GET", url: PASSKEYS_API });
      assert.equal(anonymous.statusCode, 401);
    });

    it("the same authenticator credential cannot be registered twice, on any account", async () => {
      const ada = await userWithPasskey("pk-dup@example.com");
      const original = ada.authenticator.credentials[0];
      assert.ok(original);
      const again = ada.authenticator.register(await registrationOptions(ada.accessToken), {}, original);
      const res = await post(`${PASSKEYS_API}/registration/verify`, { credential: again }, ada.accessToken);
      assertProblem(res, 409, "passkey.already_registered");
      const eve = await signedInUser(h, "pk-dup-eve@example.com");
      const onEve = ada.authenticator.register(await registrationOptions(eve.accessToken), {}, original);
      assertProblem(
        await post(`${PASSKEYS_API}/registration/verify`, { credential: onEve }, eve.accessToken),
        409,
        "passkey.already_registered",
      );
      const list = await h.app.inject({ method: "GET", url: PASSKEYS_API, headers: bearer(ada.accessToken) });
      assert.equal(list.json().items.length, 1);
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
        totpSealer: secretSealer(undefined, "totp-secrets"),
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
