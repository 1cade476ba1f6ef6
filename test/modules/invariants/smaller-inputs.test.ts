import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { enginesUnderTest } from "../../helpers/database.ts";
import { bearer, type IdentityHarness, identityHarness, register, STRONG_PASSWORD } from "../../helpers/identity.ts";
import { createCompany, newUser, type SignedIn } from "../../helpers/tenancy.ts";

// Issue #20, finding 13: names of only spaces are refused; an upper-case UUID is refused
// with 422 wherever it appears (never validated and then 404); an unverified account can
// neither create a company nor invite anyone — as the verification mail says.

for (const engine of await enginesUnderTest()) {
  describe(`smaller input rules (${engine.engine})`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    let owner: SignedIn;
    let company: { id: string };
    before(async () => {
      h = await identityHarness(engine);
      owner = await newUser(h, "owner");
      company = await createCompany(h.app, owner, `inputs-${Date.now()}`);
    });
    after(() => h.close());

    it("refuses a name of only spaces with 422, on registration and on profile update", async () => {
      const reg = await register(h.app, `spaces-${Date.now()}@example.com`, STRONG_PASSWORD, "   ");
      assert.equal(reg.statusCode, 422, reg.body);
      assert.ok(reg.json().errors.some((e: { path: string }) => e.path === "/body/name"));
      const update = await h.app.inject({
        method: "PATCH",
        url: "/api/v1/users/me",
        headers: owner.headers,
        payload: { name: " \t " },
      });
      assert.equal(update.statusCode, 422, update.body);
      const me = await h.app.inject({ url: "/api/v1/users/me", headers: owner.headers });
      assert.notEqual(me.json().name.trim(), "", "the stored name is untouched");
    });

    it("refuses an upper-case UUID with 422 naming it, in a path, a company path and a body", async () => {
      const key = await h.app.inject({
        method: "POST",
        url: `/api/v1/companies/${company.id}/api-keys`,
        headers: owner.headers,
        payload: { name: "k", scopes: ["company:read"] },
      });
      const keyId = key.json().id as string;
      const cases = [
        {
          method: "DELETE",
          url: `/api/v1/companies/${company.id}/api-keys/${keyId.toUpperCase()}`,
          path: "/params/keyId",
        },
        { method: "GET", url: `/api/v1/companies/${company.id.toUpperCase()}`, path: "/params/companyId" },
        {
          method: "POST",
          url: `/api/v1/companies/${company.id}/transfer-ownership`,
          payload: { userId: owner.userId.toUpperCase() },
          path: "/body/userId",
        },
      ];
      for (const c of cases) {
        const res = await h.app.inject({
          method: c.method as "GET",
          url: c.url,
          headers: owner.headers,
          ...(c.payload ? { payload: c.payload } : {}),
        });
        assert.equal(res.statusCode, 422, `${c.method} ${c.url}: ${res.body}`);
        assert.ok(
          res.json().errors.some((e: { path: string }) => e.path === c.path),
          res.body,
        );
      }
      const list = await h.app.inject({ url: `/api/v1/companies/${company.id}/api-keys`, headers: owner.headers });
      assert.ok(
        list.json().items.some((k: { id: string }) => k.id === keyId),
        "the key was not revoked",
      );
    });

    it("an unverified account cannot create a company or invite; once verified it can, at once", async () => {
      const email = `unverified-${Date.now()}@example.com`;
      assert.equal((await register(h.app, email)).statusCode, 201);
      const login = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { email, password: STRONG_PASSWORD, clientType: "native" },
      });
      assert.equal(login.statusCode, 200, login.body);
      const headers = bearer(login.json().accessToken);
      const create = () =>
        h.app.inject({
          method: "POST",
          url: "/api/v1/companies",
          headers,
          payload: { name: "Unverified Ltd", slug: `unverified-${Date.now()}` },
        });
      const refused = await create();
      assert.equal(refused.statusCode, 403, refused.body);
      assert.equal(refused.json().code, "auth.email_unverified");
      const mail = h.mails().find((m) => m.includes(email)) ?? "";
      assert.match(mail.replace(/=\r?\n/g, ""), /cannot create or join a company/);

      const verify = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/verify-email",
        payload: { token: h.linkToken(email) },
      });
      assert.equal(verify.statusCode, 200);
      const created = await create();
      assert.equal(created.statusCode, 201, created.body);
    });

    it("an unverified member cannot send invitations", async () => {
      const email = `unverified-member-${Date.now()}@example.com`;
      assert.equal((await register(h.app, email)).statusCode, 201);
      const login = await h.app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { email, password: STRONG_PASSWORD, clientType: "native" },
      });
      const userId = login.json().user.id as string;
      const { joinDirectly } = await import("../../helpers/tenancy.ts");
      await joinDirectly(h, company.id, { userId, accessToken: "", email, headers: { authorization: "" } }, "admin");
      const res = await h.app.inject({
        method: "POST",
        url: `/api/v1/companies/${company.id}/invitations`,
        headers: bearer(login.json().accessToken),
        payload: { email: `someone-${Date.now()}@example.com`, role: "member" },
      });
      assert.equal(res.statusCode, 403, res.body);
      assert.equal(res.json().code, "auth.email_unverified");
    });
  });
}
