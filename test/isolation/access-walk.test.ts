import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Registry } from "prom-client";
import { buildApp } from "../../src/app.ts";
import { isAllowed, type MatrixCaller, operationsOf } from "../../src/platform/access/matrix.ts";
import type { Permission } from "../../src/platform/access/permissions.ts";
import { createCache } from "../../src/platform/cache/cache.ts";
import { cacheOptionsFrom } from "../../src/platform/cache/contract.ts";
import { enginesUnderTest } from "../helpers/database.ts";
import { type IdentityHarness, identityHarness } from "../helpers/identity.ts";
import { createCompany, joinDirectly, makePlatformAdmin, newUser, type SignedIn } from "../helpers/tenancy.ts";

/** The answers of the access layer itself; anything else means the request got past it. */
const ACCESS_DENIALS = new Set([
  "auth.missing_token",
  "auth.invalid_token",
  "auth.invalid_api_key",
  "access.denied",
  "access.user_required",
  "access.platform_admin_required",
  "company.not_found",
  "company.suspended",
]);
const PROBE_STATUS = 299;
const NOWHERE = "0190a0a0-0000-7000-8000-000000000000";

interface Actor {
  readonly name: string;
  /** The matrix column this actor should behave as; undefined = refused everywhere but public routes. */
  readonly as: MatrixCaller | undefined;
  readonly headers: Record<string, string>;
  readonly scopes?: readonly Permission[];
  /** The only denial this actor may get on company routes it cannot use. */
  readonly tenantDenial?: number;
}

for (const engine of await enginesUnderTest()) {
  describe(`every route × every kind of caller (${engine.engine})`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    let probe: Awaited<ReturnType<typeof buildApp>>;
    const actors: Actor[] = [];
    let companyA: { id: string };
    let companyB: { id: string };
    let memberA: SignedIn;
    let ownerB: SignedIn;
    let keyA: { id: string; key: string };
    let keyB: { id: string; key: string };

    before(async () => {
      h = await identityHarness(engine);
      const ownerA = await newUser(h, "owner-a");
      companyA = await createCompany(h.app, ownerA, "walk-a");
      ownerB = await newUser(h, "owner-b");
      companyB = await createCompany(h.app, ownerB, "walk-b");
      const members: Record<string, SignedIn> = {};
      for (const role of ["admin", "manager", "member", "viewer"] as const) {
        members[role] = await newUser(h, role);
        await joinDirectly(h, companyA.id, members[role] as SignedIn, role);
      }
      memberA = members.member as SignedIn;
      const platformAdmin = await newUser(h, "platform-admin");
      await makePlatformAdmin(h, platformAdmin.userId);
      const suspended = await newUser(h, "suspended");
      await joinDirectly(h, companyA.id, suspended, "admin");
      const mintKey = async (company: { id: string }, owner: SignedIn) => {
        const res = await h.app.inject({
          method: "POST",
          url: `/api/v1/companies/${company.id}/api-keys`,
          headers: owner.headers,
          payload: { name: "walk", scopes: ["company:read"] },
        });
        assert.equal(res.statusCode, 201, res.body);
        return res.json() as { id: string; key: string };
      };
      keyA = await mintKey(companyA, ownerA);
      keyB = await mintKey(companyB, ownerB);
      // Company P partners with A, granting company:read to P's members in A.
      const ownerP = await newUser(h, "owner-p");
      const companyP = await createCompany(h.app, ownerP, "walk-p");
      const requested = await h.app.inject({
        method: "POST",
        url: `/api/v1/companies/${companyP.id}/partners`,
        headers: ownerP.headers,
        payload: { partnerSlug: "walk-a", scopes: ["company:read"] },
      });
      assert.equal(requested.statusCode, 201, requested.body);
      const accepted = await h.app.inject({
        method: "POST",
        url: `/api/v1/companies/${companyA.id}/partners/${requested.json().id}/accept`,
        headers: ownerA.headers,
      });
      assert.equal(accepted.statusCode, 200, accepted.body);
      const suspend = await h.app.inject({
        method: "POST",
        url: `/api/v1/admin/users/${suspended.userId}/suspend`,
        headers: platformAdmin.headers,
      });
      assert.equal(suspend.statusCode, 200);

      actors.push(
        { name: "anonymous", as: "anonymous", headers: {} },
        { name: "owner of A", as: "owner", headers: ownerA.headers },
        ...(["admin", "manager", "member", "viewer"] as const).map((role) => ({
          name: `${role} of A`,
          as: role,
          headers: (members[role] as SignedIn).headers,
        })),
        { name: "member of B", as: "user", headers: ownerB.headers, tenantDenial: 404 },
        { name: "platform admin", as: "platform_admin", headers: platformAdmin.headers, tenantDenial: 404 },
        {
          name: "key of A (company:read)",
          as: "api_key",
          headers: { "x-api-key": keyA.key },
          scopes: ["company:read"],
        },
        { name: "key of B", as: "api_key", headers: { authorization: `Bearer ${keyB.key}` }, tenantDenial: 404 },
        { name: "suspended admin of A", as: undefined, headers: suspended.headers },
      );

      // A second app on the same database whose handlers never run: a request the access
      // layer lets through is answered 299 right after it, so every route can be walked by
      // every caller without side effects.
      const metrics = new Registry();
      const cache = await createCache(cacheOptionsFrom(h.config), { ...h.deps, metrics });
      probe = await buildApp(h.config, { ...h.deps, metrics, cache });
      probe.addHook("preParsing", async (_request, reply) => {
        await reply.code(PROBE_STATUS).send({ granted: true });
        return reply;
      });
      await probe.ready();
    });
    after(async () => {
      await probe?.close();
      await h?.close();
    });

    function urlFor(path: string): string {
      return path.replace(/\{(\w+)\}/g, (_all, name: string) => {
        if (name === "companyId") return companyA.id;
        if (name === "userId") return memberA.userId;
        if (name === "keyId") return keyA.id;
        return NOWHERE;
      });
    }

    it("answers each caller as the access matrix says, on every operation of the OpenAPI document", async () => {
      const operations = operationsOf(probe.swagger() as Parameters<typeof operationsOf>[0]);
      assert.ok(operations.length > 20, "the document lists the operations");
      const failures: string[] = [];
      for (const op of operations) {
        for (const actor of actors) {
          const res = await probe.inject({ method: op.method as "GET", url: urlFor(op.path), headers: actor.headers });
          const granted = res.statusCode === PROBE_STATUS;
          const expected =
            actor.as === undefined
              ? op.access === "public"
              : actor.tenantDenial === 404 && typeof op.access === "object"
                ? false
                : isAllowed(op.access, actor.as, actor.scopes);
          const where = `${op.method} ${op.path} as ${actor.name}`;
          if (granted !== expected) {
            failures.push(`${where}: expected ${expected ? "allowed" : "denied"}, got ${res.statusCode} ${res.body}`);
            continue;
          }
          if (granted) continue;
          const code = (res.json() as { code?: string }).code ?? "";
          if (!ACCESS_DENIALS.has(code)) failures.push(`${where}: denied by something else: ${res.statusCode} ${code}`);
          if (actor.tenantDenial === 404 && typeof op.access === "object" && res.statusCode !== 404) {
            failures.push(`${where}: another company must look missing (404), got ${res.statusCode}`);
          }
          if (actor.as === undefined && res.statusCode !== 401) {
            failures.push(`${where}: a suspended user's token must be dead (401), got ${res.statusCode}`);
          }
        }
      }
      assert.deepEqual(failures, []);
    });

    it("another company's resources are not found through one's own company, and stay untouched", async () => {
      const owner = actors[1] as Actor;
      const base = `/api/v1/companies/${companyA.id}`;
      const attempts = [
        { method: "PATCH", url: `${base}/members/${ownerB.userId}`, payload: { role: "viewer" } },
        { method: "DELETE", url: `${base}/members/${ownerB.userId}` },
        { method: "DELETE", url: `${base}/api-keys/${keyB.id}` },
      ] as const;
      for (const attempt of attempts) {
        const res = await h.app.inject({ ...attempt, headers: owner.headers });
        assert.equal(res.statusCode, 404, `${attempt.method} ${attempt.url}: ${res.body}`);
      }
      const stillOwner = await h.app.inject({ url: `/api/v1/companies/${companyB.id}`, headers: ownerB.headers });
      assert.equal(stillOwner.json().myRole, "owner");
      const keyStillWorks = await h.app.inject({
        url: `/api/v1/companies/${companyB.id}`,
        headers: { "x-api-key": keyB.key },
      });
      assert.equal(keyStillWorks.statusCode, 200);
    });
  });
}
