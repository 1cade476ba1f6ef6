import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { parseJson } from "../../../src/platform/db/dialect.ts";
import { enginesUnderTest } from "../../helpers/database.ts";
import { type IdentityHarness, identityHarness } from "../../helpers/identity.ts";
import { createCompany, joinDirectly, newUser, type SignedIn } from "../../helpers/tenancy.ts";

// The owner rule and the rank checks at their edges: two owners (either may go, not both),
// the no-op role change, a transfer to oneself, removal by someone outranked, and what each
// member change leaves in the company's audit trail.
for (const engine of await enginesUnderTest()) {
  describe(`the owner rule and rank checks at their edges (${engine.engine})`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    before(async () => {
      h = await identityHarness(engine);
    });
    after(() => h?.close());

    const call = (user: SignedIn, method: string, url: string, payload?: object) =>
      h.app.inject({ method: method as "GET", url, headers: user.headers, ...(payload ? { payload } : {}) });
    const roles = async (companyId: string) =>
      new Map(
        (
          await h.database.handle.db
            .selectFrom("memberships")
            .select(["user_id", "role"])
            .where("company_id", "=", companyId)
            .execute()
        ).map((r) => [r.user_id, r.role]),
      );

    it("with two owners either may step down, be removed or leave; the last one may not", async () => {
      const a = await newUser(h, "owner-a");
      const company = await createCompany(h.app, a, `two-owners-${engine.engine}`);
      const b = await newUser(h, "owner-b");
      await joinDirectly(h, company.id, b, "owner");
      const base = `/api/v1/companies/${company.id}`;
      assert.equal((await call(a, "PATCH", `${base}/members/${a.userId}`, { role: "admin" })).statusCode, 204);
      assert.equal((await call(b, "PATCH", `${base}/members/${a.userId}`, { role: "owner" })).statusCode, 204);
      assert.equal((await call(a, "DELETE", `${base}/members/${b.userId}`)).statusCode, 204);
      const c = await newUser(h, "owner-c");
      await joinDirectly(h, company.id, c, "owner");
      assert.equal((await call(c, "POST", `${base}/leave`)).statusCode, 204);
      const last = await call(a, "POST", `${base}/leave`);
      assert.equal(last.json().code, "company.last_owner");
      assert.deepEqual(await roles(company.id), new Map([[a.userId, "owner"]]));
    });

    it("the sole owner may set their own role to owner again: nothing changes, nothing is refused", async () => {
      const a = await newUser(h, "sole");
      const company = await createCompany(h.app, a, `no-op-${engine.engine}`);
      const res = await call(a, "PATCH", `/api/v1/companies/${company.id}/members/${a.userId}`, { role: "owner" });
      assert.equal(res.statusCode, 204, res.body);
      assert.deepEqual(await roles(company.id), new Map([[a.userId, "owner"]]));
    });

    it("an admin cannot remove the owner, and removes nobody", async () => {
      const owner = await newUser(h, "boss");
      const company = await createCompany(h.app, owner, `outranked-${engine.engine}`);
      const admin = await newUser(h, "admin");
      await joinDirectly(h, company.id, admin, "admin");
      const res = await call(admin, "DELETE", `/api/v1/companies/${company.id}/members/${owner.userId}`);
      assert.equal(res.statusCode, 403, res.body);
      assert.equal(res.json().code, "member.outranks_you");
      assert.equal((await roles(company.id)).get(owner.userId), "owner");
    });

    it("an owner cannot hand the company to themselves (422), and stays its owner", async () => {
      const owner = await newUser(h, "self-heir");
      const company = await createCompany(h.app, owner, `self-transfer-${engine.engine}`);
      const res = await call(owner, "POST", `/api/v1/companies/${company.id}/transfer-ownership`, {
        userId: owner.userId,
      });
      assert.equal(res.statusCode, 422, res.body);
      assert.equal(res.json().errors[0].path, "/body/userId");
      assert.deepEqual(await roles(company.id), new Map([[owner.userId, "owner"]]));
    });

    it("records a role change, a removal, a departure and a transfer with the member and their role before", async () => {
      const owner = await newUser(h, "recorder");
      const company = await createCompany(h.app, owner, `recorded-${engine.engine}`);
      const [moved, removed, leaver, heir] = [
        await newUser(h, "moved"),
        await newUser(h, "removed"),
        await newUser(h, "leaver"),
        await newUser(h, "heir"),
      ];
      await joinDirectly(h, company.id, moved, "viewer");
      await joinDirectly(h, company.id, removed, "member");
      await joinDirectly(h, company.id, leaver, "admin");
      await joinDirectly(h, company.id, heir, "manager");
      const base = `/api/v1/companies/${company.id}`;
      assert.equal((await call(owner, "PATCH", `${base}/members/${moved.userId}`, { role: "member" })).statusCode, 204);
      assert.equal((await call(owner, "DELETE", `${base}/members/${removed.userId}`)).statusCode, 204);
      assert.equal((await call(leaver, "POST", `${base}/leave`)).statusCode, 204);
      assert.equal((await call(owner, "POST", `${base}/transfer-ownership`, { userId: heir.userId })).statusCode, 204);
      const events = await h.database.handle.db
        .selectFrom("audit_events")
        .select(["action", "target_type", "target_id", "metadata"])
        .where("company_id", "=", company.id)
        .where("action", "in", [
          "member.role_changed",
          "member.removed",
          "member.left",
          "company.ownership_transferred",
        ])
        .orderBy("seq")
        .execute();
      assert.deepEqual(
        events.map((e) => [e.action, e.target_type, e.target_id, parseJson(e.metadata)]),
        [
          ["member.role_changed", "user", moved.userId, { before: "viewer", after: "member" }],
          ["member.removed", "user", removed.userId, { before: "member" }],
          ["member.left", "user", leaver.userId, { before: "admin" }],
          ["company.ownership_transferred", "user", heir.userId, { from: owner.userId, before: "manager" }],
        ],
      );
    });

    it("lists members page by page, with their names", async () => {
      const owner = await newUser(h, "lister");
      const company = await createCompany(h.app, owner, `paged-${engine.engine}`);
      const others = [await newUser(h, "paged-1"), await newUser(h, "paged-2")];
      for (const user of others) await joinDirectly(h, company.id, user, "member");
      const seen: { userId: string; name: string }[] = [];
      let cursor: string | undefined;
      do {
        const res = await call(
          owner,
          "GET",
          `/api/v1/companies/${company.id}/members?limit=1${cursor ? `&cursor=${cursor}` : ""}`,
        );
        assert.equal(res.statusCode, 200, res.body);
        seen.push(...res.json().items);
        cursor = res.json().nextCursor ?? undefined;
      } while (cursor && seen.length < 10);
      assert.deepEqual(seen.map((m) => m.userId).sort(), [owner.userId, ...others.map((u) => u.userId)].sort());
      assert.ok(seen.every((m) => m.name === "Ada Lovelace"));
    });
  });
}
