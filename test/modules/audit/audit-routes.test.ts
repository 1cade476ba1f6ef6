import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { recordAuditEvent } from "../../../src/modules/audit/index.ts";
import { seedAuditEvents } from "../../helpers/audit.ts";
import { enginesUnderTest } from "../../helpers/database.ts";
import { type IdentityHarness, identityHarness } from "../../helpers/identity.ts";
import { createCompany, joinDirectly, makePlatformAdmin, newUser, type SignedIn } from "../../helpers/tenancy.ts";

const BULK_COMPANY = "0190a0a0-0000-7000-8000-00000000b01c";
const BULK = 2500;

for (const engine of await enginesUnderTest()) {
  describe(`audit-event routes (${engine.engine})`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    let owner: SignedIn;
    let viewer: SignedIn;
    let outsider: SignedIn;
    let admin: SignedIn;
    let companyA: { id: string };
    let companyB: { id: string };

    before(async () => {
      h = await identityHarness(engine);
      owner = await newUser(h, "owner");
      viewer = await newUser(h, "viewer");
      outsider = await newUser(h, "outsider");
      admin = await newUser(h, "admin");
      await makePlatformAdmin(h, admin.userId);
      companyA = await createCompany(h.app, owner, "audit-a");
      companyB = await createCompany(h.app, outsider, "audit-b");
      await joinDirectly(h, companyA.id, viewer, "viewer");
      const record = (companyId: string, action: string, i: number, userAgent = "browser/1.0") => {
        h.clock.advance(1);
        return recordAuditEvent(h.database.handle.db, h.clock, {
          action,
          actorType: "user",
          actorId: owner.userId,
          companyId,
          targetType: "user",
          targetId: viewer.userId,
          userAgent,
          requestId: `req-${i}`,
          metadata: { before: { role: "viewer" }, after: { role: `role-${i}` } },
        });
      };
      for (let i = 0; i < 5; i++) await record(companyA.id, i % 2 ? "member.role_changed" : "api_key.created", i);
      await record(companyA.id, "member.role_changed", 5, '=cmd|"/c calc"!A1, "quoted"');
      await record(companyB.id, "member.role_changed", 99);
      await seedAuditEvents(h.database.handle.db, BULK, { companyId: BULK_COMPANY });
    });
    after(() => h?.close());

    const get = (user: SignedIn | undefined, url: string) =>
      h.app.inject({ url: `/api/v1${url}`, headers: user?.headers ?? {} });

    it("a company's events, newest first, for callers with audit:read only", async () => {
      const res = await get(owner, `/companies/${companyA.id}/audit-events`);
      assert.equal(res.statusCode, 200, res.body);
      const { items, nextCursor } = res.json();
      assert.equal(items.length, 7);
      assert.equal(nextCursor, null);
      assert.deepEqual(
        items.map((e: { requestId: string; action: string }) =>
          e.action === "company.created" ? e.action : e.requestId,
        ),
        ["req-5", "req-4", "req-3", "req-2", "req-1", "req-0", "company.created"],
        "the seeded events after the company's own creation",
      );
      assert.ok(
        items.every((e: { companyId: string }) => e.companyId === companyA.id),
        "no other company's events",
      );
      assert.deepEqual(items[1].metadata, { before: { role: "viewer" }, after: { role: "role-4" } });
      assert.equal(items[1].actor.id, owner.userId);

      const denied = await get(viewer, `/companies/${companyA.id}/audit-events`);
      assert.equal(denied.statusCode, 403);
      assert.equal(denied.json().code, "access.denied");
      assert.equal((await get(outsider, `/companies/${companyA.id}/audit-events`)).statusCode, 404);
      assert.equal((await get(undefined, `/companies/${companyA.id}/audit-events`)).statusCode, 401);
      assert.equal((await get(admin, `/companies/${companyA.id}/audit-events`)).statusCode, 404);
    });

    it("filters by action (exact or prefix), actor and time, and pages by cursor", async () => {
      const base = `/companies/${companyA.id}/audit-events`;
      const exact = (await get(owner, `${base}?action=member.role_changed`)).json();
      assert.equal(exact.items.length, 3);
      assert.equal((await get(owner, `${base}?action=api_key.*`)).json().items.length, 3);
      // The viewer's only event: being refused the audit trail (a recorded security event).
      assert.deepEqual(
        (await get(owner, `${base}?actorId=${viewer.userId}`)).json().items.map((e: { action: string }) => e.action),
        ["access.denied"],
      );
      // The six seeded events and the company's creation, all by its owner.
      assert.equal((await get(owner, `${base}?actorType=user&actorId=${owner.userId}`)).json().items.length, 7);
      const all = ((await get(owner, base)).json().items as { occurredAt: string; requestId: string }[]).filter((e) =>
        e.requestId?.startsWith("req-"),
      );
      const window = (
        await get(owner, `${base}?from=${all[3]?.occurredAt}&to=${encodeURIComponent(String(all[1]?.occurredAt))}`)
      ).json();
      assert.deepEqual(
        window.items.map((e: { requestId: string }) => e.requestId),
        ["req-3", "req-2"],
      );

      const first = (await get(owner, `${base}?limit=4`)).json();
      assert.equal(first.items.length, 4);
      // Eight in all: the viewer's refusal (newest), the six seeded, the company's creation.
      const second = (await get(owner, `${base}?limit=4&cursor=${first.nextCursor}`)).json();
      assert.deepEqual(
        second.items.map((e: { requestId: string; action: string }) =>
          e.action === "company.created" ? e.action : e.requestId,
        ),
        ["req-2", "req-1", "req-0", "company.created"],
      );
      assert.equal(second.nextCursor, null);

      const badCursor = await get(owner, `${base}?cursor=bm9wZQ`);
      assert.equal(badCursor.statusCode, 422);
      assert.equal(badCursor.json().code, "pagination.invalid_cursor");
      assert.equal((await get(owner, `${base}?limit=101`)).statusCode, 422);
      assert.equal((await get(owner, `${base}?from=yesterday`)).statusCode, 422);
    });

    it("exports NDJSON and CSV, oldest first, streamed across batches", async () => {
      const ndjson = await get(owner, `/companies/${companyA.id}/audit-events/export`);
      assert.equal(ndjson.statusCode, 200);
      assert.match(String(ndjson.headers["content-type"]), /^application\/x-ndjson/);
      assert.match(String(ndjson.headers["content-disposition"]), /attachment; filename="audit-events\.ndjson"/);
      const lines = ndjson.body
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l));
      assert.deepEqual(
        lines.map((e) => (e.requestId?.startsWith("req-") ? e.requestId : e.action)),
        ["company.created", "req-0", "req-1", "req-2", "req-3", "req-4", "req-5", "access.denied"],
      );

      const csv = await get(owner, `/companies/${companyA.id}/audit-events/export?format=csv&action=member.*`);
      assert.equal(csv.statusCode, 200);
      assert.match(String(csv.headers["content-type"]), /^text\/csv/);
      const rows = csv.body.trimEnd().split("\r\n");
      assert.equal(rows.length, 4, "header + 3 events");
      assert.match(String(rows[0]), /^id,occurred_at,actor_type,/);
      assert.ok(rows[3]?.includes(`,"'=cmd|""/c calc""!A1, ""quoted""",`), rows[3]);

      const bulk = await get(admin, `/admin/audit-events/export?companyId=${BULK_COMPANY}`);
      assert.equal(bulk.statusCode, 200);
      const seqs = bulk.body
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l).sequence as number);
      assert.equal(seqs.length, BULK);
      assert.ok(
        seqs.every((s, i) => s === i + 1),
        "every event once, in order, across 1000-row batches",
      );
      assert.equal((await get(viewer, `/companies/${companyA.id}/audit-events/export`)).statusCode, 403);
    });

    it("platform admins list every stream, one company, or the platform's own events", async () => {
      assert.equal((await get(owner, "/admin/audit-events")).statusCode, 403);
      const everything = (await get(admin, "/admin/audit-events?limit=100")).json();
      const companies = new Set(everything.items.map((e: { companyId: string | null }) => e.companyId));
      assert.ok(companies.has(companyA.id) && companies.has(companyB.id) && companies.has(null));
      const onlyB = (await get(admin, `/admin/audit-events?companyId=${companyB.id}`)).json();
      assert.deepEqual(
        onlyB.items.map((e: { requestId: string; action: string }) =>
          e.action === "company.created" ? e.action : e.requestId,
        ),
        ["req-99", "company.created"],
      );
      const platform = (await get(admin, "/admin/audit-events?companyId=platform&action=auth.login_succeeded")).json();
      assert.ok(platform.items.length >= 4, "each sign-in of the fixture users");
      assert.ok(platform.items.every((e: { companyId: string | null }) => e.companyId === null));
      assert.equal((await get(admin, "/admin/audit-events?companyId=nope")).statusCode, 422);
    });
  });
}
