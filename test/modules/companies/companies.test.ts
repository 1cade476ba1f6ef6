import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { enginesUnderTest } from "../../helpers/database.ts";
import { type IdentityHarness, identityHarness } from "../../helpers/identity.ts";
import { createCompany, joinDirectly, newUser, type SignedIn } from "../../helpers/tenancy.ts";

for (const engine of await enginesUnderTest()) {
  describe(`companies and members (${engine.engine})`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    let owner: SignedIn;
    before(async () => {
      h = await identityHarness(engine);
      owner = await newUser(h, "owner");
    });
    after(() => h.close());

    const call = (user: SignedIn, method: string, url: string, payload?: object) =>
      h.app.inject({ method: method as "GET", url, headers: user.headers, ...(payload ? { payload } : {}) });

    it("creates a company whose creator is its owner, and lists it with the role", async () => {
      const company = await createCompany(h.app, owner, "acme-works", "Acme Works");
      const row = await h.database.handle.db
        .selectFrom("memberships")
        .selectAll()
        .where("company_id", "=", company.id)
        .executeTakeFirstOrThrow();
      assert.equal(row.user_id, owner.userId);
      assert.equal(row.role, "owner");
      const mine = await call(owner, "GET", "/api/v1/companies");
      assert.equal(mine.statusCode, 200);
      assert.deepEqual(
        mine.json().items.map((c: { slug: string; myRole: string }) => [c.slug, c.myRole]),
        [["acme-works", "owner"]],
      );
    });

    it("stores a name full of SQL metacharacters verbatim, and every table survives it", async () => {
      const hostile = "Bobby'); DROP TABLE companies; -- \" OR 1=1 /*";
      const company = await createCompany(h.app, owner, "bobby-tables", hostile);
      const read = await call(owner, "GET", `/api/v1/companies/${company.id}`);
      assert.equal(read.statusCode, 200);
      assert.equal(read.json().name, hostile, "the value travelled as a parameter, not as SQL");
      const mine = await call(owner, "GET", "/api/v1/companies");
      assert.equal(mine.statusCode, 200);
      assert.ok(mine.json().items.some((c: { slug: string }) => c.slug === "bobby-tables"));
    });

    it("refuses invalid slugs with 422 and a taken slug with 409, creating nothing", async () => {
      for (const slug of ["A", "Upper-Case", "-dash-first", "dash-last-", "has space", "x".repeat(64)]) {
        const res = await call(owner, "POST", "/api/v1/companies", { name: "Bad", slug });
        assert.equal(res.statusCode, 422, slug);
        assert.equal(res.json().errors[0].path, "/body/slug", slug);
      }
      await createCompany(h.app, owner, "taken-slug");
      const dup = await call(owner, "POST", "/api/v1/companies", { name: "Other", slug: "taken-slug" });
      assert.equal(dup.statusCode, 409);
      assert.equal(dup.json().code, "company.slug_taken");
      const count = await h.database.handle.db
        .selectFrom("companies")
        .select((eb) => eb.fn.countAll().as("n"))
        .where("slug", "=", "taken-slug")
        .executeTakeFirstOrThrow();
      assert.equal(Number(count.n), 1);
    });

    it("pages through my companies with a cursor; bad cursors and page sizes are 422", async () => {
      const user = await newUser(h, "pager");
      const slugs = ["page-one", "page-two", "page-three"];
      for (const slug of slugs) await createCompany(h.app, user, slug);
      const first = await call(user, "GET", "/api/v1/companies?limit=2");
      assert.equal(first.json().items.length, 2);
      assert.ok(first.json().nextCursor);
      const second = await call(user, "GET", `/api/v1/companies?limit=2&cursor=${first.json().nextCursor}`);
      assert.equal(second.json().items.length, 1);
      assert.equal(second.json().nextCursor, null);
      const seen = [...first.json().items, ...second.json().items].map((c: { slug: string }) => c.slug);
      assert.deepEqual(seen, slugs);
      for (const query of ["limit=0", "limit=101", "limit=abc", "cursor=not-a-cursor", "cursor=eyJhZnRlciI6MX0"]) {
        const res = await call(user, "GET", `/api/v1/companies?${query}`);
        assert.equal(res.statusCode, 422, query);
      }
    });

    it("renames with company:update; a viewer gets 403; another company's user gets 404", async () => {
      const company = await createCompany(h.app, owner, "rename-me");
      const viewer = await newUser(h, "viewer");
      await joinDirectly(h, company.id, viewer, "viewer");
      const stranger = await newUser(h, "stranger");
      const url = `/api/v1/companies/${company.id}`;
      assert.equal((await call(viewer, "PATCH", url, { name: "Hijacked" })).statusCode, 403);
      const hidden = await call(stranger, "GET", url);
      assert.equal(hidden.statusCode, 404);
      const missing = await call(stranger, "GET", "/api/v1/companies/0190a0a0-0000-7000-8000-000000000000");
      assert.deepEqual(
        { status: missing.statusCode, code: missing.json().code },
        { status: hidden.statusCode, code: hidden.json().code },
        "another company answers exactly like a missing one",
      );
      const renamed = await call(owner, "PATCH", url, { name: "Renamed" });
      assert.equal(renamed.statusCode, 200);
      assert.equal(renamed.json().name, "Renamed");
      assert.equal((await call(viewer, "GET", url)).json().name, "Renamed");
    });

    it("role changes apply on the next request, never above one's own rank, never leaving no owner", async () => {
      const company = await createCompany(h.app, owner, "roles-co");
      const [manager, member] = [await newUser(h, "manager"), await newUser(h, "member")];
      await joinDirectly(h, company.id, manager, "manager");
      await joinDirectly(h, company.id, member, "member");
      const members = (userId: string) => `/api/v1/companies/${company.id}/members/${userId}`;
      const invite = `/api/v1/companies/${company.id}`;

      const tooStrong = await call(manager, "PATCH", members(member.userId), { role: "admin" });
      assert.equal(tooStrong.statusCode, 403);
      assert.equal(tooStrong.json().code, "member.role_too_strong");
      const outranked = await call(manager, "PATCH", members(owner.userId), { role: "viewer" });
      assert.equal(outranked.json().code, "member.outranks_you");
      assert.equal((await call(member, "PATCH", invite, { name: "x" })).statusCode, 403);

      assert.equal((await call(owner, "PATCH", members(member.userId), { role: "admin" })).statusCode, 204);
      assert.equal((await call(member, "PATCH", invite, { name: "Now allowed" })).statusCode, 200);

      const lastOwner = await call(owner, "PATCH", members(owner.userId), { role: "admin" });
      assert.equal(lastOwner.statusCode, 409);
      assert.equal(lastOwner.json().code, "company.last_owner");
      assert.equal((await call(owner, "POST", `${invite}/leave`)).json().code, "company.last_owner");
      assert.equal((await call(owner, "DELETE", members(owner.userId))).json().code, "company.last_owner");
      const bad = await call(owner, "PATCH", members(member.userId), { role: "emperor" });
      assert.equal(bad.statusCode, 422);
      const unknown = await call(owner, "PATCH", members("0190a0a0-0000-7000-8000-000000000000"), { role: "viewer" });
      assert.equal(unknown.json().code, "member.not_found");
    });

    it("transfers ownership in one step; the previous owner stays as admin and can then leave", async () => {
      const founder = await newUser(h, "founder");
      const company = await createCompany(h.app, founder, "handover");
      const heir = await newUser(h, "heir");
      await joinDirectly(h, company.id, heir, "member");
      const base = `/api/v1/companies/${company.id}`;
      const res = await call(founder, "POST", `${base}/transfer-ownership`, { userId: heir.userId });
      assert.equal(res.statusCode, 204, res.body);
      const roles = await h.database.handle.db
        .selectFrom("memberships")
        .select(["user_id", "role"])
        .where("company_id", "=", company.id)
        .execute();
      assert.deepEqual(
        new Map(roles.map((r) => [r.user_id, r.role])),
        new Map([
          [founder.userId, "admin"],
          [heir.userId, "owner"],
        ]),
      );
      assert.equal(
        (await call(founder, "POST", `${base}/transfer-ownership`, { userId: heir.userId })).statusCode,
        403,
      );
      assert.equal((await call(founder, "POST", `${base}/leave`)).statusCode, 204);
      assert.equal((await call(founder, "GET", base)).statusCode, 404, "gone on the next request");
    });

    it("lists members with names and roles; removal takes effect at once", async () => {
      const boss = await newUser(h, "boss");
      const company = await createCompany(h.app, boss, "members-co");
      const leaver = await newUser(h, "leaver");
      await joinDirectly(h, company.id, leaver, "member");
      const list = await call(boss, "GET", `/api/v1/companies/${company.id}/members`);
      assert.equal(list.statusCode, 200);
      assert.deepEqual(
        list
          .json()
          .items.map((m: { email: string; role: string }) => [m.email, m.role])
          .sort(),
        [
          [boss.email, "owner"],
          [leaver.email, "member"],
        ].sort(),
      );
      assert.equal((await call(leaver, "GET", `/api/v1/companies/${company.id}`)).statusCode, 200);
      assert.equal(
        (await call(boss, "DELETE", `/api/v1/companies/${company.id}/members/${leaver.userId}`)).statusCode,
        204,
      );
      assert.equal((await call(leaver, "GET", `/api/v1/companies/${company.id}`)).statusCode, 404);
    });

    it("a deleted company answers 404 to its own members; its slug stays reserved", async () => {
      const company = await createCompany(h.app, owner, "short-lived");
      assert.equal((await call(owner, "DELETE", `/api/v1/companies/${company.id}`)).statusCode, 204);
      assert.equal((await call(owner, "GET", `/api/v1/companies/${company.id}`)).statusCode, 404);
      const mine = await call(owner, "GET", "/api/v1/companies?limit=100");
      assert.ok(!mine.json().items.some((c: { id: string }) => c.id === company.id));
      const reuse = await call(owner, "POST", "/api/v1/companies", { name: "Again", slug: "short-lived" });
      assert.equal(reuse.statusCode, 409);
    });
  });
}
