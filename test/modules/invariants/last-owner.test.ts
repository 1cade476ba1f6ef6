import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { enginesUnderTest } from "../../helpers/database.ts";
import { type IdentityHarness, identityHarness, STRONG_PASSWORD } from "../../helpers/identity.ts";
import { createCompany, joinDirectly, newUser, type SignedIn } from "../../helpers/tenancy.ts";

// Issue #20, finding 3: every company that is not deleted keeps at least one owner whose
// account is not deleted, and a deleted account is a member of nothing.

for (const engine of await enginesUnderTest()) {
  describe(`a company never loses its last owner (${engine.engine})`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    before(async () => {
      h = await identityHarness(engine);
    });
    after(() => h.close());

    let slugs = 0;
    const company = (owner: SignedIn, name?: string) =>
      createCompany(h.app, owner, `owner-rule-${++slugs}-${Date.now()}`, name);
    const deleteAccount = (user: SignedIn) =>
      h.app.inject({
        method: "DELETE",
        url: "/api/v1/users/me",
        headers: user.headers,
        payload: { password: STRONG_PASSWORD },
      });
    const members = async (owner: SignedIn, companyId: string) => {
      const res = await h.app.inject({ url: `/api/v1/companies/${companyId}/members`, headers: owner.headers });
      assert.equal(res.statusCode, 200, res.body);
      return res.json().items as { userId: string; role: string }[];
    };

    it("the sole owner cannot delete their account: 409 naming exactly the companies they own alone", async () => {
      const owner = await newUser(h, "sole");
      const coOwner = await newUser(h, "co");
      const alone = await company(owner, "Alone Ltd");
      const shared = await company(owner, "Shared Ltd");
      await joinDirectly(h, shared.id, coOwner, "owner");
      const res = await deleteAccount(owner);
      assert.equal(res.statusCode, 409, res.body);
      assert.match(res.headers["content-type"] ?? "", /application\/problem\+json/);
      const problem = res.json();
      assert.equal(problem.code, "account.sole_owner");
      assert.deepEqual(
        problem.companies.map((c: { id: string }) => c.id),
        [alone.id],
      );
      assert.match(problem.detail, /Alone Ltd/);
      assert.doesNotMatch(problem.detail, /Shared Ltd/);
      // Nothing changed: the account still works and still owns both.
      const me = await h.app.inject({ url: "/api/v1/users/me", headers: owner.headers });
      assert.equal(me.statusCode, 200);
      assert.equal((await members(owner, shared.id)).length, 2);
    });

    it("with another owner in place, the account is deleted and is a member of nothing afterwards", async () => {
      const leaving = await newUser(h, "leaving");
      const staying = await newUser(h, "staying");
      const shared = await company(staying);
      await joinDirectly(h, shared.id, leaving, "owner");
      assert.equal((await deleteAccount(leaving)).statusCode, 204);
      const after = await members(staying, shared.id);
      assert.deepEqual(
        after.map((m) => [m.userId, m.role]),
        [[staying.userId, "owner"]],
      );
    });

    it("ownership cannot be transferred to a deleted member", async () => {
      const owner = await newUser(h, "owner");
      const member = await newUser(h, "member");
      const c = await company(owner);
      await joinDirectly(h, c.id, member, "member");
      assert.equal((await deleteAccount(member)).statusCode, 204);
      const res = await h.app.inject({
        method: "POST",
        url: `/api/v1/companies/${c.id}/transfer-ownership`,
        headers: owner.headers,
        payload: { userId: member.userId },
      });
      assert.equal(res.statusCode, 404, res.body);
      assert.equal(res.json().code, "member.not_found");
      assert.deepEqual(
        (await members(owner, c.id)).map((m) => [m.userId, m.role]),
        [[owner.userId, "owner"]],
      );
    });

    it("an owner cannot leave when the only other owner's account is deleted", async () => {
      const first = await newUser(h, "first");
      const second = await newUser(h, "second");
      const c = await company(first);
      await joinDirectly(h, c.id, second, "owner");
      assert.equal((await deleteAccount(second)).statusCode, 204);
      const res = await h.app.inject({
        method: "POST",
        url: `/api/v1/companies/${c.id}/leave`,
        headers: first.headers,
      });
      assert.equal(res.statusCode, 409, res.body);
      assert.equal(res.json().code, "company.last_owner");
    });

    it("a deleted company does not hold its sole owner back", async () => {
      const owner = await newUser(h, "gone");
      const c = await company(owner);
      const del = await h.app.inject({ method: "DELETE", url: `/api/v1/companies/${c.id}`, headers: owner.headers });
      assert.equal(del.statusCode, 204, del.body);
      assert.equal((await deleteAccount(owner)).statusCode, 204);
    });
  });
}
