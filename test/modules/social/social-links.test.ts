import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { enginesUnderTest } from "../../helpers/database.ts";
import { type IdentityHarness, identityHarness, STRONG_PASSWORD, signedInUser } from "../../helpers/identity.ts";
import { codeFor } from "../../helpers/mfa.ts";
import {
  callback,
  type Providers,
  socialLink,
  socialSignIn,
  start,
  startProviders,
  throughProvider,
} from "./fixture.ts";

let seq = 0;
const unique = (label: string) => `${label}-${++seq}-${Date.now()}`;

for (const engine of await enginesUnderTest()) {
  describe(`Linking and unlinking social sign-in (${engine.engine})`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    let p: Providers;
    const db = () => h.database.handle.db;
    const auth = (token: string) => ({ authorization: `Bearer ${token}` });
    const person = (email: string) => {
      const sub = unique("sub");
      p.idp.accounts.set(sub, { sub, email, email_verified: true, name: "Linked Person" });
      return sub;
    };
    const listLinks = (token: string) => h.app.inject({ url: "/api/v1/users/me/identities", headers: auth(token) });
    const unlink = (token: string, id: string) =>
      h.app.inject({ method: "DELETE", url: `/api/v1/users/me/identities/${id}`, headers: auth(token) });

    before(async () => {
      p = await startProviders();
      h = await identityHarness(engine, p.env);
    });
    after(async () => {
      await h?.close();
      await p?.close();
    });

    it("the link step needs a signed-in user and links to that user; the provider then signs them in", async () => {
      const unauthenticated = await h.app.inject({ method: "POST", url: "/api/v1/users/me/identities/oidc/start" });
      assert.equal(unauthenticated.statusCode, 401);

      const email = `${unique("ada")}@example.com`;
      const ada = await signedInUser(h, email);
      // The provider's address may differ from the account's: the person chose to link it.
      const sub = person(`${unique("ada-elsewhere")}@example.org`);
      const linked = await socialLink(h.app, p, "oidc", sub, ada.accessToken);
      assert.equal(linked.statusCode, 200, linked.body);
      assert.equal((linked.json() as { provider: string }).provider, "oidc");

      const list = await listLinks(ada.accessToken);
      assert.equal(list.statusCode, 200);
      const identities = (list.json() as { identities: { provider: string; providerName: string; email: string }[] })
        .identities;
      assert.deepEqual(
        identities.map((i) => [i.provider, i.providerName]),
        [["oidc", "Acme ID"]],
      );
      const event = await db()
        .selectFrom("audit_events")
        .select(["actor_id", "target_id"])
        .where("action", "=", "social.identity_linked")
        .where("target_id", "=", ada.userId)
        .executeTakeFirst();
      assert.equal(event?.actor_id, ada.userId);

      const signIn = await socialSignIn(h.app, p, "oidc", sub);
      assert.equal(signIn.statusCode, 200, signIn.body);
      assert.equal((signIn.json() as { user: { id: string; email: string } }).user.id, ada.userId);
      assert.equal((signIn.json() as { user: { email: string } }).user.email, email);
    });

    it("the link step needs a recent sign-in (step-up)", async () => {
      const user = await signedInUser(h, `${unique("stale")}@example.com`);
      h.clock.advance(601);
      try {
        const res = await h.app.inject({
          method: "POST",
          url: "/api/v1/users/me/identities/oidc/start",
          headers: auth(user.accessToken),
        });
        assert.equal(res.statusCode, 401, res.body);
        assert.equal(res.json().code, "auth.step_up_required");
      } finally {
        h.clock.advance(-601);
      }
    });

    it("a provider identity linked to another account is refused", async () => {
      const owner = await signedInUser(h, `${unique("owner")}@example.com`);
      const sub = person(`${unique("shared")}@example.com`);
      assert.equal((await socialLink(h.app, p, "oidc", sub, owner.accessToken)).statusCode, 200);
      const intruder = await signedInUser(h, `${unique("intruder")}@example.com`);
      const res = await socialLink(h.app, p, "oidc", sub, intruder.accessToken);
      assert.equal(res.statusCode, 409, res.body);
      assert.equal(res.json().code, "social.identity_linked_elsewhere");
      assert.equal((await listLinks(intruder.accessToken)).json().identities.length, 0);
      const still = await socialSignIn(h.app, p, "oidc", sub);
      assert.equal((still.json() as { user: { id: string } }).user.id, owner.userId);
    });

    it("a link flow finishes only in the browser that started it", async () => {
      const victim = await signedInUser(h, `${unique("victim")}@example.com`);
      const attacker = await signedInUser(h, `${unique("attacker")}@example.com`);
      // The attacker starts a link to their account and lures the victim through the provider.
      const started = await start(h.app, "/api/v1/users/me/identities/oidc/start", auth(attacker.accessToken));
      const sub = person(`${unique("victim-at-idp")}@example.com`);
      const back = await throughProvider(p, "oidc", sub, started);
      const res = await callback(h.app, back, "the-victims-own-browser-binding");
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().code, "social.invalid_state");
      assert.equal((await listLinks(attacker.accessToken)).json().identities.length, 0);
      assert.equal((await listLinks(victim.accessToken)).json().identities.length, 0);
    });

    it("unlinking the last way in is refused (409); with a password set it is allowed", async () => {
      const email = `${unique("only-social")}@example.com`;
      const sub = person(email);
      const signUp = await socialSignIn(h.app, p, "oidc", sub);
      const token = (signUp.json() as { accessToken: string }).accessToken;
      const [link] = (await listLinks(token)).json().identities as { id: string }[];
      assert.ok(link);
      const refused = await unlink(token, link.id);
      assert.equal(refused.statusCode, 409, refused.body);
      assert.equal(refused.json().code, "social.last_sign_in_method");
      assert.equal((await listLinks(token)).json().identities.length, 1);

      // The person sets a password through a reset (the way a passwordless account gets one).
      const forgot = await h.app.inject({ method: "POST", url: "/api/v1/auth/password/forgot", payload: { email } });
      assert.equal(forgot.statusCode, 202, forgot.body);
      const reset = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/password/reset",
        payload: { token: h.linkToken(email), password: STRONG_PASSWORD },
      });
      assert.equal(reset.statusCode, 204, reset.body);
      // The reset ended every session: sign in again through the provider.
      const again = await socialSignIn(h.app, p, "oidc", sub);
      const fresh = (again.json() as { accessToken: string }).accessToken;
      const allowed = await unlink(fresh, link.id);
      assert.equal(allowed.statusCode, 204, allowed.body);
      assert.equal((await listLinks(fresh)).json().identities.length, 0);
      const event = await db()
        .selectFrom("audit_events")
        .select("metadata")
        .where("action", "=", "social.identity_unlinked")
        .where("target_id", "=", (again.json() as { user: { id: string } }).user.id)
        .executeTakeFirst();
      assert.ok(event, "the unlink is in the audit trail");
      // Unlinked: the provider identity no longer signs in; it is a new sign-up whose address is taken.
      const after = await socialSignIn(h.app, p, "oidc", sub);
      assert.equal(after.statusCode, 409);
      assert.equal(after.json().code, "social.account_exists");
    });

    it("another linked provider counts as a way in; someone else's link id is not found", async () => {
      const login = unique("octo");
      p.github.users.set(login, {
        id: 7_000_000 + seq,
        login,
        name: null,
        emails: [{ email: `${login}@example.com`, primary: true, verified: true, visibility: null }],
      });
      const signUp = await socialSignIn(h.app, p, "github", login);
      const token = (signUp.json() as { accessToken: string }).accessToken;
      const sub = person(`${unique("second")}@example.com`);
      assert.equal((await socialLink(h.app, p, "oidc", sub, token)).statusCode, 200);
      const identities = (await listLinks(token)).json().identities as { id: string; provider: string }[];
      assert.equal(identities.length, 2);
      const stranger = await signedInUser(h, `${unique("stranger")}@example.com`);
      const foreign = await unlink(stranger.accessToken, (identities[0] as { id: string }).id);
      assert.equal(foreign.statusCode, 404);
      assert.equal(foreign.json().code, "social.identity_not_found");
      const github = identities.find((i) => i.provider === "github") as { id: string };
      assert.equal((await unlink(token, github.id)).statusCode, 204);
      const last = identities.find((i) => i.provider === "oidc") as { id: string };
      assert.equal((await unlink(token, last.id)).statusCode, 409);
    });

    it("an account with a second factor is not signed in by its provider alone", async () => {
      const user = await signedInUser(h, `${unique("factor")}@example.com`);
      const sub = person(`${unique("factor-idp")}@example.com`);
      assert.equal((await socialLink(h.app, p, "oidc", sub, user.accessToken)).statusCode, 200);
      assert.equal((await socialSignIn(h.app, p, "oidc", sub)).statusCode, 200, "before the factor");
      const enrol = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/factors/totp",
        headers: auth(user.accessToken),
        payload: {},
      });
      assert.equal(enrol.statusCode, 201, enrol.body);
      const { id, secret } = enrol.json() as { id: string; secret: string };
      const confirm = await h.app.inject({
        method: "POST",
        url: `/api/v1/auth/factors/totp/${id}/confirm`,
        headers: auth(user.accessToken),
        payload: { code: codeFor(h, secret) },
      });
      assert.equal(confirm.statusCode, 200, confirm.body);
      const res = await socialSignIn(h.app, p, "oidc", sub);
      assert.equal(res.statusCode, 403, res.body);
      assert.equal(res.json().code, "social.second_factor_required");
      assert.ok(!res.cookies.some((c) => c.name === "rampart_refresh"), "no session");
    });

    it("deleting the account removes its links and the export lists them", async () => {
      const email = `${unique("leaving")}@example.com`;
      const user = await signedInUser(h, email);
      const sub = person(`${unique("leaving-idp")}@example.com`);
      assert.equal((await socialLink(h.app, p, "oidc", sub, user.accessToken)).statusCode, 200);
      const exported = await h.app.inject({ url: "/api/v1/users/me/export", headers: auth(user.accessToken) });
      assert.equal(exported.statusCode, 200, exported.body);
      const linked = (exported.json() as { linkedIdentities: { provider: string; subject: string }[] })
        .linkedIdentities;
      assert.deepEqual(
        linked.map((l) => [l.provider, l.subject]),
        [["oidc", sub]],
      );
      const deleted = await h.app.inject({
        method: "DELETE",
        url: "/api/v1/users/me",
        headers: auth(user.accessToken),
        payload: { password: STRONG_PASSWORD },
      });
      assert.equal(deleted.statusCode, 204, deleted.body);
      const rows = await db().selectFrom("social_identities").select("id").where("subject", "=", sub).execute();
      assert.equal(rows.length, 0);
    });
  });
}
