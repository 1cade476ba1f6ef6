import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { enginesUnderTest } from "../../helpers/database.ts";
import { type IdentityHarness, identityHarness } from "../../helpers/identity.ts";
import { createCompany, joinDirectly, newUser, type SignedIn } from "../../helpers/tenancy.ts";

for (const engine of await enginesUnderTest()) {
  describe(`partners (${engine.engine})`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    before(async () => {
      h = await identityHarness(engine);
    });
    after(() => h.close());

    const call = (user: SignedIn, method: string, url: string, payload?: object) =>
      h.app.inject({ method: method as "GET", url, headers: user.headers, ...(payload ? { payload } : {}) });
    const partners = (companyId: string) => `/api/v1/companies/${companyId}/partners`;
    let n = 0;
    const pair = async () => {
      n += 1;
      const [ownerA, ownerB, memberB] = [
        await newUser(h, "owner-a"),
        await newUser(h, "owner-b"),
        await newUser(h, "member-b"),
      ];
      const a = await createCompany(h.app, ownerA, `alpha-${n}`, `Alpha ${n}`);
      const b = await createCompany(h.app, ownerB, `beta-${n}`, `Beta ${n}`);
      await joinDirectly(h, b.id, memberB, "member");
      return { ownerA, ownerB, memberB, a, b };
    };

    it("request, accept, scoped access for the partner's members, revoke: access is gone on the next request", async () => {
      const { ownerA, ownerB, memberB, a, b } = await pair();
      const requested = await call(ownerA, "POST", partners(a.id), { partnerSlug: b.slug, scopes: ["company:read"] });
      assert.equal(requested.statusCode, 201, requested.body);
      const partnership = requested.json();
      assert.deepEqual(
        {
          direction: partnership.direction,
          company: partnership.company,
          status: partnership.status,
          scopes: partnership.scopes,
        },
        {
          direction: "outgoing",
          company: { id: b.id, slug: b.slug, name: b.name },
          status: "pending",
          scopes: ["company:read"],
        },
      );
      const incoming = (await call(ownerB, "GET", partners(b.id))).json().items;
      assert.deepEqual(
        incoming.map((p: { id: string; direction: string; company: { slug: string } }) => [
          p.id,
          p.direction,
          p.company.slug,
        ]),
        [[partnership.id, "incoming", a.slug]],
      );
      const companyA = `/api/v1/companies/${a.id}`;
      assert.equal((await call(memberB, "GET", companyA)).statusCode, 404, "a pending request grants nothing");

      const byRequester = await call(ownerA, "POST", `${partners(a.id)}/${partnership.id}/accept`);
      assert.equal(byRequester.statusCode, 403);
      assert.equal(byRequester.json().code, "partnership.requester_cannot_decide");
      const byPlainMember = await call(memberB, "POST", `${partners(b.id)}/${partnership.id}/accept`);
      assert.equal(byPlainMember.statusCode, 403);
      assert.equal(byPlainMember.json().code, "access.denied");

      const accepted = await call(ownerB, "POST", `${partners(b.id)}/${partnership.id}/accept`);
      assert.equal(accepted.statusCode, 200, accepted.body);
      assert.equal(accepted.json().status, "active");
      const twice = await call(ownerB, "POST", `${partners(b.id)}/${partnership.id}/reject`);
      assert.equal(twice.statusCode, 409);
      assert.equal(twice.json().code, "partnership.not_pending");

      const profile = await call(memberB, "GET", companyA);
      assert.equal(profile.statusCode, 200, profile.body);
      assert.equal(profile.json().name, a.name);
      assert.equal(profile.json().myRole, undefined, "a partner has no role in the company");
      const patch = await call(memberB, "PATCH", companyA, { name: "Taken over" });
      assert.equal(patch.statusCode, 403);
      assert.equal(patch.json().code, "access.denied");
      for (const [method, url] of [
        ["GET", `${companyA}/members`],
        ["GET", `${companyA}/api-keys`],
        ["GET", `${companyA}/invitations`],
        ["GET", partners(a.id)],
        ["POST", `${companyA}/leave`],
        ["DELETE", companyA],
      ] as const) {
        const res = await call(memberB, method, url);
        assert.equal(res.statusCode, 403, `${method} ${url}`);
      }
      assert.equal((await call(ownerA, "GET", `/api/v1/companies/${b.id}`)).statusCode, 200, "scopes apply both ways");
      const stranger = await newUser(h, "stranger");
      assert.equal((await call(stranger, "GET", companyA)).statusCode, 404);

      const revoked = await call(ownerB, "DELETE", `${partners(b.id)}/${partnership.id}`);
      assert.equal(revoked.statusCode, 204);
      const after = await call(memberB, "GET", companyA);
      assert.equal(after.statusCode, 404);
      assert.equal(after.json().code, "company.not_found");
      assert.equal((await call(ownerA, "GET", `/api/v1/companies/${b.id}`)).statusCode, 404);
      const again = await call(ownerA, "DELETE", `${partners(a.id)}/${partnership.id}`);
      assert.equal(again.statusCode, 409);
      assert.equal(again.json().code, "partnership.ended");
      assert.equal((await call(ownerA, "GET", partners(a.id))).json().items[0].status, "revoked");
    });

    it("grants members:read only when the partnership says so", async () => {
      const { ownerA, ownerB, memberB, a, b } = await pair();
      const scopes = ["company:read", "members:read"];
      const id = (await call(ownerA, "POST", partners(a.id), { partnerSlug: b.slug, scopes })).json().id;
      assert.equal((await call(ownerB, "POST", `${partners(b.id)}/${id}/accept`)).statusCode, 200);
      const members = await call(memberB, "GET", `/api/v1/companies/${a.id}/members`);
      assert.equal(members.statusCode, 200, members.body);
      assert.deepEqual(
        members.json().items.map((m: { userId: string }) => m.userId),
        [ownerA.userId],
      );
    });

    it("refuses oneself, unknown companies, scopes partners cannot hold and a second live partnership", async () => {
      const { ownerA, ownerB, a, b } = await pair();
      const self = await call(ownerA, "POST", partners(a.id), { partnerSlug: a.slug, scopes: ["company:read"] });
      assert.equal(self.statusCode, 422);
      assert.equal(self.json().code, "partnership.self");
      const unknown = await call(ownerA, "POST", partners(a.id), {
        partnerSlug: "no-such-company",
        scopes: ["company:read"],
      });
      assert.equal(unknown.statusCode, 404);
      assert.equal(unknown.json().code, "partnership.partner_not_found");
      const badScope = await call(ownerA, "POST", partners(a.id), {
        partnerSlug: b.slug,
        scopes: ["company:read", "api_keys:manage"],
      });
      assert.equal(badScope.statusCode, 422);
      assert.equal(badScope.json().code, "partnership.scope_not_allowed");
      for (const body of [
        { partnerSlug: "Bad Slug", scopes: ["company:read"] },
        { partnerSlug: b.slug, scopes: [] },
      ]) {
        assert.equal((await call(ownerA, "POST", partners(a.id), body)).statusCode, 422, JSON.stringify(body));
      }
      const count = async () =>
        (
          await h.database.handle.db
            .selectFrom("partnerships")
            .select("id")
            .where("requester_company_id", "in", [a.id, b.id])
            .execute()
        ).length;
      assert.equal(await count(), 0, "nothing written by refused requests");

      assert.equal(
        (await call(ownerA, "POST", partners(a.id), { partnerSlug: b.slug, scopes: ["company:read"] })).statusCode,
        201,
      );
      const same = await call(ownerA, "POST", partners(a.id), { partnerSlug: b.slug, scopes: ["members:read"] });
      assert.equal(same.statusCode, 409);
      assert.equal(same.json().code, "partnership.exists");
      const reverse = await call(ownerB, "POST", partners(b.id), { partnerSlug: a.slug, scopes: ["company:read"] });
      assert.equal(reverse.statusCode, 409, "either direction");
      assert.equal(await count(), 1);
    });

    it("rejects: no access, and the pair may ask again; a third company sees none of it", async () => {
      const { ownerA, ownerB, memberB, a, b } = await pair();
      const id = (await call(ownerA, "POST", partners(a.id), { partnerSlug: b.slug, scopes: ["company:read"] })).json()
        .id;
      const rejected = await call(ownerB, "POST", `${partners(b.id)}/${id}/reject`);
      assert.equal(rejected.statusCode, 200);
      assert.equal(rejected.json().status, "rejected");
      assert.equal((await call(memberB, "GET", `/api/v1/companies/${a.id}`)).statusCode, 404);
      const acceptLate = await call(ownerB, "POST", `${partners(b.id)}/${id}/accept`);
      assert.equal(acceptLate.json().code, "partnership.not_pending");

      const outsider = await newUser(h, "outsider");
      const c = await createCompany(h.app, outsider, `gamma-${n}`);
      for (const [method, url] of [
        ["POST", `${partners(c.id)}/${id}/accept`],
        ["DELETE", `${partners(c.id)}/${id}`],
      ] as const) {
        const res = await call(outsider, method, url);
        assert.equal(res.statusCode, 404, `${method} ${url}`);
        assert.equal(res.json().code, "partnership.not_found");
      }
      assert.deepEqual((await call(outsider, "GET", partners(c.id))).json().items, []);
      const retry = await call(ownerA, "POST", partners(a.id), { partnerSlug: b.slug, scopes: ["company:read"] });
      assert.equal(retry.statusCode, 201);
      // The requester may withdraw its own pending request.
      assert.equal((await call(ownerA, "DELETE", `${partners(a.id)}/${retry.json().id}`)).statusCode, 204);
    });

    // Who decided a partnership is recorded as a user, or as nobody when an API key acted: a
    // key's revocation must not leave the accepting user's id as the decider.
    it("an API key that ends a partnership a user accepted records no deciding user", async () => {
      const { ownerA, ownerB, a, b } = await pair();
      const requested = await call(ownerA, "POST", partners(a.id), { partnerSlug: b.slug, scopes: ["company:read"] });
      const id = requested.json().id as string;
      assert.equal((await call(ownerB, "POST", `${partners(b.id)}/${id}/accept`)).statusCode, 200);
      const decidedBy = async () =>
        (
          await h.database.handle.db
            .selectFrom("partnerships")
            .select(["decided_by", "requested_by", "status"])
            .where("id", "=", id)
            .executeTakeFirstOrThrow()
        ).decided_by;
      assert.equal(await decidedBy(), ownerB.userId, "the accepting user decided");
      const created = await call(ownerA, "POST", `/api/v1/companies/${a.id}/api-keys`, {
        name: "integration",
        scopes: ["partners:manage"],
      });
      assert.equal(created.statusCode, 201, created.body);
      const key = created.json().key as string;
      const revoked = await h.app.inject({
        method: "DELETE",
        url: `${partners(a.id)}/${id}`,
        headers: { "x-api-key": key },
      });
      assert.equal(revoked.statusCode, 204, revoked.body);
      assert.equal(await decidedBy(), null, "the key's revocation is decided by no user");
    });
  });
}
