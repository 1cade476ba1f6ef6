import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { enginesUnderTest } from "../../helpers/database.ts";
import { type IdentityHarness, identityHarness, STRONG_PASSWORD } from "../../helpers/identity.ts";
import { createCompany, joinDirectly, makePlatformAdmin, newUser, type SignedIn } from "../../helpers/tenancy.ts";

for (const engine of await enginesUnderTest()) {
  describe(`platform administration (${engine.engine})`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    let admin: SignedIn;
    let plain: SignedIn;
    before(async () => {
      h = await identityHarness(engine);
      admin = await newUser(h, "admin");
      await makePlatformAdmin(h, admin.userId);
      plain = await newUser(h, "plain");
    });
    after(() => h.close());

    const post = (user: SignedIn, url: string) =>
      h.app.inject({ method: "POST", url: `/api/v1${url}`, headers: user.headers });
    const get = (user: SignedIn | undefined, url: string) =>
      h.app.inject({ url: `/api/v1${url}`, headers: user?.headers ?? {} });

    it("is for platform admins only: 401 anonymous, 403 for everyone else", async () => {
      const anonymous = await get(undefined, "/admin/users");
      assert.equal(anonymous.statusCode, 401);
      const denied = await get(plain, "/admin/users");
      assert.equal(denied.statusCode, 403);
      assert.equal(denied.json().code, "access.platform_admin_required");
      const list = await get(admin, "/admin/users?limit=100");
      assert.equal(list.statusCode, 200);
      const emails = list.json().items.map((u: { email: string }) => u.email);
      assert.ok(emails.includes(plain.email) && emails.includes(admin.email));
    });

    it("searches users by email, name or id and companies by name, slug or id, in any case; % and _ match themselves", async () => {
      const findMe = await newUser(h, "needle-search");
      const owner = await newUser(h, "search-owner");
      const company = await createCompany(h.app, owner, `haystack-${Date.now()}`, "Needle 50% Corp");
      await createCompany(h.app, owner, `other-${Date.now()}`, "Needle 500 Corp");
      const users = async (q: string) => {
        const res = await get(admin, `/admin/users?limit=100&q=${encodeURIComponent(q)}`);
        assert.equal(res.statusCode, 200, res.body);
        return res.json().items.map((u: { email: string }) => u.email);
      };
      assert.deepEqual(await users("NEEDLE-search"), [findMe.email], "email, any case");
      assert.deepEqual(await users(findMe.userId.toUpperCase()), [findMe.email], "the id");
      assert.deepEqual(await users("no-such-person-anywhere"), []);
      assert.deepEqual(await users("%"), [], "a % is a percent sign, not everything");
      const companies = async (q: string) => {
        const res = await get(admin, `/admin/companies?limit=100&q=${encodeURIComponent(q)}`);
        assert.equal(res.statusCode, 200, res.body);
        return res.json().items.map((c: { id: string }) => c.id);
      };
      assert.deepEqual(await companies("needle 50%"), [company.id], "the name; 50% is not 50 followed by anything");
      assert.deepEqual(await companies(company.slug.toUpperCase()), [company.id], "the slug");
      assert.deepEqual(await companies(company.id), [company.id], "the id");
      assert.deepEqual(await companies("needle_50"), [], "an _ is an underscore, not any character");
      for (const q of ["", "x".repeat(101)]) {
        const refused = await get(admin, `/admin/users?q=${q}`);
        assert.equal(refused.statusCode, 422, `q of ${q.length} characters`);
      }
    });

    it("a suspended user's token and refresh stop working at once; lifting it lets them sign in again", async () => {
      const victim = await newUser(h, "victim");
      assert.equal((await get(victim, "/users/me")).statusCode, 200);
      const suspended = await post(admin, `/admin/users/${victim.userId}/suspend`);
      assert.equal(suspended.statusCode, 200);
      assert.equal(suspended.json().status, "suspended");
      assert.equal((await get(victim, "/users/me")).statusCode, 401, "the access token is dead on the next request");
      const login = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { email: victim.email, password: STRONG_PASSWORD, clientType: "native" },
      });
      assert.equal(login.statusCode, 403);
      assert.equal(login.json().code, "auth.account_suspended");
      const sessions = await h.database.handle.db
        .selectFrom("sessions")
        .select("revoked_reason")
        .where("user_id", "=", victim.userId)
        .execute();
      assert.ok(sessions.length > 0 && sessions.every((s) => s.revoked_reason === "suspended"));
      assert.equal((await post(admin, `/admin/users/${victim.userId}/unsuspend`)).json().status, "active");
      const again = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { email: victim.email, password: STRONG_PASSWORD, clientType: "native" },
      });
      assert.equal(again.statusCode, 200);
    });

    it("refuses to suspend oneself or an unknown user", async () => {
      assert.equal((await post(admin, `/admin/users/${admin.userId}/suspend`)).json().code, "admin.self_suspension");
      const unknown = await post(admin, "/admin/users/0190a0a0-0000-7000-8000-000000000000/suspend");
      assert.equal(unknown.statusCode, 404);
    });

    it("a suspended company's members and keys get 403 on its resources until it is lifted", async () => {
      const owner = await newUser(h, "co-owner");
      const company = await createCompany(h.app, owner, "suspend-me");
      const member = await newUser(h, "co-member");
      await joinDirectly(h, company.id, member, "member");
      const key = await h.app.inject({
        method: "POST",
        url: `/api/v1/companies/${company.id}/api-keys`,
        headers: owner.headers,
        payload: { name: "k", scopes: ["company:read"] },
      });
      const keyHeaders = { "x-api-key": key.json().key as string };
      assert.equal((await post(admin, `/admin/companies/${company.id}/suspend`)).json().status, "suspended");
      for (const user of [owner, member]) {
        const res = await get(user, `/companies/${company.id}`);
        assert.equal(res.statusCode, 403);
        assert.equal(res.json().code, "company.suspended");
      }
      const byKey = await h.app.inject({ url: `/api/v1/companies/${company.id}`, headers: keyHeaders });
      assert.equal(byKey.statusCode, 403);
      const listed = await get(admin, "/admin/companies?limit=100");
      assert.equal(listed.json().items.find((c: { id: string }) => c.id === company.id).status, "suspended");
      await post(admin, `/admin/companies/${company.id}/unsuspend`);
      assert.equal((await get(member, `/companies/${company.id}`)).statusCode, 200);
      assert.equal(
        (await h.app.inject({ url: `/api/v1/companies/${company.id}`, headers: keyHeaders })).statusCode,
        200,
      );
    });
  });
}

describe("first start without a platform admin", () => {
  it("logs how to create one", async () => {
    const [sqlite] = await enginesUnderTest();
    if (!sqlite) return;
    const h = await identityHarness(sqlite);
    try {
      assert.ok(h.logs.lines().some((line) => /rampart users create-admin --email/.test(String(line.msg))));
    } finally {
      await h.close();
    }
  });
});
