import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { describeConfig } from "../../../src/config/load.ts";
import { enginesUnderTest } from "../../helpers/database.ts";
import { type IdentityHarness, identityHarness, signedInUser } from "../../helpers/identity.ts";
import { decodeJwt, newSigningKey, signIdToken } from "../../helpers/oidc-provider.ts";
import { makePlatformAdmin } from "../../helpers/tenancy.ts";
import { callback, type Providers, socialSignIn, start, startProviders, throughProvider } from "./fixture.ts";

let seq = 0;
const unique = (label: string) => `${label}-${++seq}-${Date.now()}`;

for (const engine of await enginesUnderTest()) {
  describe(`Social sign-in with a real OIDC provider and GitHub (${engine.engine})`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    let p: Providers;
    const db = () => h.database.handle.db;
    const usersWith = (email: string) => db().selectFrom("users").selectAll().where("email", "=", email).execute();
    const linksOf = (userId: string) =>
      db().selectFrom("social_identities").selectAll().where("user_id", "=", userId).execute();
    const person = (email: string, verified = true) => {
      const sub = unique("sub");
      p.idp.accounts.set(sub, { sub, email, email_verified: verified, name: "Grace Hopper" });
      return sub;
    };

    before(async () => {
      p = await startProviders();
      h = await identityHarness(engine, p.env);
    });
    after(async () => {
      await h?.close();
      await p?.close();
    });

    it("lists the enabled providers only", async () => {
      const res = await h.app.inject({ url: "/api/v1/auth/social/providers" });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), {
        providers: [
          { key: "github", name: "GitHub", protocol: "github" },
          { key: "oidc", name: "Acme ID", protocol: "oidc" },
        ],
      });
      const google = await h.app.inject({ method: "POST", url: "/api/v1/auth/social/google/start" });
      assert.equal(google.statusCode, 404);
      assert.equal(google.json().code, "social.provider_not_found");
    });

    it("sign-up creates a passwordless account with a verified address and its link; the second sign-in uses the link", async () => {
      const email = `${unique("grace")}@example.com`;
      const sub = person(email);
      const first = await socialSignIn(h.app, p, "oidc", sub);
      assert.equal(first.statusCode, 200, first.body);
      const body = first.json() as {
        accessToken: string;
        created: boolean;
        user: { id: string; emailVerified: boolean };
      };
      assert.equal(body.created, true);
      assert.equal(body.user.emailVerified, true);
      assert.ok(
        first.cookies.some((c) => c.name === "rampart_refresh" && c.httpOnly),
        "the refresh token is in the cookie",
      );
      assert.ok(!first.body.includes("refreshToken"));
      const [user] = await usersWith(email);
      assert.equal(user?.password_hash, null, "no password: the account signs in through its link");
      assert.ok(user?.email_verified_at);
      const links = await linksOf(body.user.id);
      assert.deepEqual(
        links.map((l) => [l.provider, l.subject]),
        [["oidc", sub]],
      );
      const session = await db()
        .selectFrom("sessions")
        .selectAll()
        .where("user_id", "=", body.user.id)
        .executeTakeFirst();
      assert.equal(session?.amr, "fed,oidc");
      const me = await h.app.inject({
        url: "/api/v1/users/me",
        headers: { authorization: `Bearer ${body.accessToken}` },
      });
      assert.equal(me.statusCode, 200);
      const linked = await db()
        .selectFrom("audit_events")
        .select("action")
        .where("target_id", "=", body.user.id)
        .where("action", "in", ["user.registered", "social.identity_linked", "auth.login_succeeded"])
        .execute();
      assert.equal(linked.length, 3);

      // The IdP now gives another address: the link (provider + subject) decides, not the address.
      p.idp.accounts.set(sub, { sub, email: `${unique("renamed")}@example.com`, email_verified: true });
      const second = await socialSignIn(h.app, p, "oidc", sub);
      assert.equal(second.statusCode, 200, second.body);
      assert.equal((second.json() as { created: boolean; user: { id: string } }).user.id, body.user.id);
      assert.equal((second.json() as { created: boolean }).created, false);
      assert.equal((await usersWith(email)).length, 1);
    });

    it("a browser is sent on with 303 and no token in the URL", async () => {
      const sub = person(`${unique("browser")}@example.com`);
      const started = await start(h.app, "/api/v1/auth/social/oidc/start");
      const res = await callback(h.app, await throughProvider(p, "oidc", sub, started), started.cookie, "text/html");
      assert.equal(res.statusCode, 303, res.body);
      assert.equal(res.headers.location, "http://localhost:3000/social/signed-in");
      assert.ok(res.cookies.some((c) => c.name === "rampart_refresh"));
    });

    it("an existing account's address without a link is refused and nothing is linked", async () => {
      const email = `${unique("existing")}@example.com`;
      const existing = await signedInUser(h, email);
      const sub = person(email);
      const res = await socialSignIn(h.app, p, "oidc", sub);
      assert.equal(res.statusCode, 409, res.body);
      const problem = res.json() as { code: string; detail: string; linkStart: { path: string } };
      assert.equal(problem.code, "social.account_exists");
      assert.match(problem.detail, /link oidc from your profile/);
      assert.equal(problem.linkStart.path, "/api/v1/users/me/identities/oidc/start");
      assert.equal((await linksOf(existing.userId)).length, 0, "never linked by matching the address");
      assert.equal(
        (await db().selectFrom("social_identities").select("id").where("subject", "=", sub).execute()).length,
        0,
      );
    });

    it("sign-up follows the signup flag", async () => {
      const admin = await signedInUser(h, `${unique("admin")}@example.com`);
      await makePlatformAdmin(h, admin.userId);
      const setFlag = (enabled: boolean) =>
        h.app.inject({
          method: "PUT",
          url: "/api/v1/admin/flags/signup",
          headers: { authorization: `Bearer ${admin.accessToken}` },
          payload: { enabled },
        });
      assert.equal((await setFlag(false)).statusCode, 200);
      try {
        const email = `${unique("closed")}@example.com`;
        const res = await socialSignIn(h.app, p, "oidc", person(email));
        assert.equal(res.statusCode, 403, res.body);
        assert.equal(res.json().code, "feature.disabled");
        assert.equal((await usersWith(email)).length, 0);
      } finally {
        assert.equal((await setFlag(true)).statusCode, 200);
      }
    });

    it("an address the provider does not say is verified creates no account (refused)", async () => {
      const email = `${unique("unverified")}@example.com`;
      const res = await socialSignIn(h.app, p, "oidc", person(email, false));
      assert.equal(res.statusCode, 403, res.body);
      assert.equal(res.json().code, "social.email_not_verified");
      assert.equal((await usersWith(email)).length, 0);
    });

    it("a wrong, replayed or other browser's state is refused", async () => {
      const sub = person(`${unique("state")}@example.com`);
      const started = await start(h.app, "/api/v1/auth/social/oidc/start");
      const back = await throughProvider(p, "oidc", sub, started);
      const wrong = new URL(back);
      wrong.searchParams.set("state", "not-the-state-we-sent");
      const wrongRes = await callback(h.app, wrong, started.cookie);
      assert.equal(wrongRes.statusCode, 400);
      assert.equal(wrongRes.json().code, "social.invalid_state");
      const ok = await callback(h.app, back, started.cookie);
      assert.equal(ok.statusCode, 200, ok.body);
      const replayed = await callback(h.app, back, started.cookie);
      assert.equal(replayed.statusCode, 400);
      assert.equal(replayed.json().code, "social.invalid_state");

      // A flow started in another browser (its cookie) cannot be finished in this one.
      const other = await start(h.app, "/api/v1/auth/social/oidc/start");
      const otherBack = await throughProvider(p, "oidc", sub, other);
      const elsewhere = await callback(h.app, otherBack, "a-different-browser-binding-value");
      assert.equal(elsewhere.statusCode, 400);
      assert.equal(elsewhere.json().code, "social.invalid_state");
      const noCookie = await callback(h.app, otherBack, undefined);
      assert.equal(noCookie.statusCode, 400, "the flow was consumed by the first try");
    });

    it("an expired flow is refused", async () => {
      const sub = person(`${unique("slow")}@example.com`);
      const started = await start(h.app, "/api/v1/auth/social/oidc/start");
      const back = await throughProvider(p, "oidc", sub, started);
      h.clock.advance(601);
      try {
        const res = await callback(h.app, back, started.cookie);
        assert.equal(res.statusCode, 400);
        assert.equal(res.json().code, "social.invalid_state");
      } finally {
        h.clock.advance(-601);
      }
    });

    it("an ID token not signed by the provider's keys is refused, and nothing is created", async () => {
      const email = `${unique("forged")}@example.com`;
      const sub = person(email);
      const attacker = await newSigningKey(p.idp.signingKey.kid);
      p.idp.tamperNextIdToken(async (genuine) => signIdToken(decodeJwt(genuine), attacker));
      const res = await socialSignIn(h.app, p, "oidc", sub);
      assert.equal(res.statusCode, 401, res.body);
      assert.equal(res.json().code, "social.response_rejected");
      assert.equal((await usersWith(email)).length, 0);
    });

    it("GitHub: an exchange with the wrong PKCE verifier is refused", async () => {
      const login = unique("pkce");
      p.github.users.set(login, {
        id: 6_000_000 + seq,
        login,
        name: null,
        emails: [{ email: `${login}@example.com`, primary: true, verified: true, visibility: null }],
      });
      const started = await start(h.app, "/api/v1/auth/social/github/start");
      const back = await throughProvider(p, "github", login, started);
      // As if the code had been stolen and replayed by someone without the verifier.
      await db()
        .updateTable("social_login_flows")
        .set({ code_verifier: "x".repeat(43) })
        .where("provider", "=", "github")
        .execute();
      const res = await callback(h.app, back, started.cookie);
      assert.equal(res.statusCode, 401, res.body);
      assert.equal(res.json().code, "social.response_rejected");
      assert.equal((await usersWith(`${login}@example.com`)).length, 0);
    });

    it("GitHub: sign-up with the primary verified address; refused without one", async () => {
      const login = unique("octo");
      const email = `${login}@example.com`;
      p.github.users.set(login, {
        id: 4_000_000 + seq,
        login,
        name: "Octo Cat",
        emails: [
          { email: `${login}@old.example.com`, primary: false, verified: true, visibility: null },
          { email, primary: true, verified: true, visibility: "private" },
        ],
      });
      const res = await socialSignIn(h.app, p, "github", login);
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json() as { created: boolean; user: { id: string; email: string; name: string } };
      assert.equal(body.created, true);
      assert.equal(body.user.email, email, "the primary address, not another verified one");
      assert.equal(body.user.name, "Octo Cat");
      const [link] = await linksOf(body.user.id);
      assert.equal(link?.provider, "github");
      assert.equal(link?.subject, String(p.github.users.get(login)?.id));
      const again = await socialSignIn(h.app, p, "github", login);
      assert.equal((again.json() as { user: { id: string } }).user.id, body.user.id);

      const unverified = unique("unverified-octo");
      p.github.users.set(unverified, {
        id: 5_000_000 + seq,
        login: unverified,
        name: null,
        emails: [
          { email: `${unverified}@example.com`, primary: true, verified: false, visibility: null },
          { email: `${unverified}@other.example.com`, primary: false, verified: true, visibility: null },
        ],
      });
      const refused = await socialSignIn(h.app, p, "github", unverified);
      assert.equal(refused.statusCode, 403, refused.body);
      assert.equal(refused.json().code, "social.email_not_verified");
      assert.equal((await usersWith(`${unverified}@example.com`)).length, 0);
      assert.equal((await usersWith(`${unverified}@other.example.com`)).length, 0);
    });

    it("a suspended account cannot sign in through its link", async () => {
      const email = `${unique("suspended")}@example.com`;
      const sub = person(email);
      const first = await socialSignIn(h.app, p, "oidc", sub);
      const userId = (first.json() as { user: { id: string } }).user.id;
      await db().updateTable("users").set({ status: "suspended" }).where("id", "=", userId).execute();
      const res = await socialSignIn(h.app, p, "oidc", sub);
      assert.equal(res.statusCode, 403, res.body);
      assert.equal(res.json().code, "auth.account_suspended");
    });

    it("the providers' client secrets are masked in the configuration display", () => {
      const shown = describeConfig(h.app.config);
      assert.equal(shown.SOCIAL_GITHUB_CLIENT_SECRET, "********");
      assert.equal(shown.SOCIAL_OIDC_CLIENT_SECRET, "********");
      assert.equal(shown.SOCIAL_GITHUB_CLIENT_ID, p.github.clientId);
      assert.ok(!JSON.stringify(shown).includes(p.github.clientSecret));
      assert.ok(!JSON.stringify(shown).includes(p.idp.clientSecret));
    });
  });
}
