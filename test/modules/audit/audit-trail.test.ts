import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { sql } from "kysely";
import { type AuditEventInput, recordAuditEvent } from "../../../src/modules/audit/index.ts";
import { listAuditEvents } from "../../../src/modules/audit/service.ts";
import { pruneAuditEvents, verifyAuditChains } from "../../../src/modules/audit/verify.ts";
import { withTransaction } from "../../../src/platform/db/transaction.ts";
import { TestClock } from "../../helpers/clock.ts";
import { enginesUnderTest, type TestDatabase } from "../../helpers/database.ts";

const USER = "0190a0a0-0000-7000-8000-000000000001";
const COMPANY_A = "0190a0a0-0000-7000-8000-00000000000a";
const COMPANY_B = "0190a0a0-0000-7000-8000-00000000000b";

function event(overrides: Partial<AuditEventInput> = {}): AuditEventInput {
  return {
    action: "kill_switch.enabled",
    actorType: "user",
    actorId: USER,
    targetType: "platform_state",
    targetId: "kill_switch",
    ip: "203.0.113.7",
    userAgent: "curl/8",
    requestId: "req-1",
    metadata: { before: { enabled: false }, after: { enabled: true } },
    ...overrides,
  };
}

for (const engine of await enginesUnderTest()) {
  describe(`audit trail on ${engine.engine}`, { skip: engine.skip }, () => {
    let database: TestDatabase;
    const clock = new TestClock();
    before(async () => {
      database = await engine.create();
    });
    after(() => database?.drop());

    const db = () => database.handle.db;
    const rows = (action: string) => db().selectFrom("audit_events").selectAll().where("action", "=", action).execute();
    const stateRow = (key: string) =>
      db().selectFrom("platform_state").select("key").where("key", "=", key).executeTakeFirst();
    const change = (key: string) =>
      ({ key, value: JSON.stringify({ on: true }), updated_at: clock.now().toISOString(), updated_by: USER }) as const;

    it("records the event in the same transaction as the change", async () => {
      await withTransaction(db(), async (trx) => {
        await trx.insertInto("platform_state").values(change("committed")).execute();
        await recordAuditEvent(trx, clock, event({ action: "test.committed", companyId: COMPANY_A }));
      });
      assert.ok(await stateRow("committed"));
      const [row] = await rows("test.committed");
      assert.ok(row);
      assert.equal(row.company_id, COMPANY_A);
      assert.equal(row.stream, `company:${COMPANY_A}`);
      assert.equal(Number(row.seq), 1);
      assert.equal(row.actor_type, "user");
      assert.equal(row.actor_id, USER);
      assert.equal(row.ip, "203.0.113.7");
      assert.deepEqual(JSON.parse(row.metadata), { after: { enabled: true }, before: { enabled: false } });
      assert.match(row.hash, /^[0-9a-f]{64}$/);
    });

    it("a rolled-back change leaves no event and does not advance the chain", async () => {
      // The stream's length before, so the test holds whichever tests ran first (seq has no gaps).
      const before = (
        await db().selectFrom("audit_events").select("seq").where("stream", "=", `company:${COMPANY_A}`).execute()
      ).length;
      await assert.rejects(
        withTransaction(db(), async (trx) => {
          await trx.insertInto("platform_state").values(change("rolled-back")).execute();
          await recordAuditEvent(trx, clock, event({ action: "test.rolled_back", companyId: COMPANY_A }));
          throw new Error("the change fails after its event was written");
        }),
        /the change fails/,
      );
      assert.equal(await stateRow("rolled-back"), undefined);
      assert.deepEqual(await rows("test.rolled_back"), []);
      await recordAuditEvent(db(), clock, event({ action: "test.after_rollback", companyId: COMPANY_A }));
      const [next] = await rows("test.after_rollback");
      assert.equal(Number(next?.seq), before + 1, "the rolled-back event's seq is reused: no gap in the chain");
      assert.deepEqual((await verifyAuditChains(db())).broken, []);
    });

    it("an event that cannot be written fails the change", async () => {
      await assert.rejects(
        withTransaction(db(), async (trx) => {
          await trx.insertInto("platform_state").values(change("unaudited")).execute();
          // The actor_type check constraint refuses the row, as a full disk or lost connection would.
          await recordAuditEvent(trx, clock, event({ actorType: "robot" as "user" }));
        }),
      );
      assert.equal(await stateRow("unaudited"), undefined);
    });

    it("strips secrets and tokens from metadata", async () => {
      await recordAuditEvent(
        db(),
        clock,
        event({
          action: "test.redacted",
          metadata: {
            password: "hunter2-hunter2",
            newPassword: "x",
            refresh_token: "abc",
            apiKey: "rk_live",
            nested: { clientSecret: "s", authorization: "Bearer abc", kept: "visible" },
            header: "Bearer eyJhbGciOi.eyJzdWIi.sig",
            jwt: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln",
            list: [{ token: "t", name: "n" }],
            role: { before: "viewer", after: "admin" },
          },
        }),
      );
      const [row] = await rows("test.redacted");
      assert.ok(row);
      assert.deepEqual(JSON.parse(row.metadata), {
        nested: { kept: "visible" },
        header: "[redacted]",
        jwt: "[redacted]",
        list: [{ name: "n" }],
        role: { before: "viewer", after: "admin" },
      });
      for (const secret of ["hunter2", "rk_live", "eyJhbGciOiJIUzI1NiJ9", "Bearer"])
        assert.ok(!row.metadata.includes(secret), `${secret} is not stored`);
    });

    it("verify passes, then names the event whose row was edited in the database", async () => {
      for (let i = 0; i < 5; i++)
        await recordAuditEvent(db(), clock, event({ action: "test.tamper", companyId: COMPANY_B, targetId: `${i}` }));
      assert.deepEqual((await verifyAuditChains(db())).broken, []);
      const [, , third] = await db()
        .selectFrom("audit_events")
        .selectAll()
        .where("stream", "=", `company:${COMPANY_B}`)
        .orderBy("seq")
        .execute();
      assert.ok(third);
      await sql`update audit_events set metadata = ${'{"after":{"enabled":false}}'} where id = ${third.id}`.execute(
        db(),
      );
      const report = await verifyAuditChains(db());
      assert.equal(report.broken.length, 1);
      assert.equal(report.broken[0]?.eventId, third.id);
      assert.equal(report.broken[0]?.seq, 3);
      assert.match(String(report.broken[0]?.reason), /hash does not match/);
      // Restoring the row restores the chain; deleting it breaks it at the next event.
      await sql`update audit_events set metadata = ${third.metadata} where id = ${third.id}`.execute(db());
      assert.deepEqual((await verifyAuditChains(db())).broken, []);
      await sql`delete from audit_events where id = ${third.id}`.execute(db());
      const afterDelete = await verifyAuditChains(db());
      assert.equal(afterDelete.broken[0]?.seq, 4);
      assert.match(String(afterDelete.broken[0]?.reason), /missing/);
    });

    it("concurrent writers on one stream never fork the chain", async () => {
      const company = "0190a0a0-0000-7000-8000-0000000000cc";
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          withTransaction(db(), async (trx) => {
            await trx
              .insertInto("platform_state")
              .values(change(`concurrent-${i}`))
              .execute();
            await recordAuditEvent(trx, clock, event({ action: "test.concurrent", companyId: company }));
          }),
        ),
      );
      const chain = await db()
        .selectFrom("audit_events")
        .select(["seq"])
        .where("stream", "=", `company:${company}`)
        .orderBy("seq")
        .execute();
      assert.deepEqual(
        chain.map((r) => Number(r.seq)),
        Array.from({ length: 40 }, (_, i) => i + 1),
      );
      const report = await verifyAuditChains(db());
      assert.equal(report.streams.find((s) => s.stream === `company:${company}`)?.broken, undefined);
    });

    it("lists newest first with filters and cursor pagination", async () => {
      const company = "0190a0a0-0000-7000-8000-0000000000dd";
      const listClock = new TestClock();
      for (let i = 0; i < 25; i++) {
        listClock.advance(1);
        await recordAuditEvent(
          db(),
          listClock,
          event({
            action: i % 5 === 0 ? "member.role_changed" : "api_key.created",
            companyId: company,
            targetId: `${i}`,
          }),
        );
      }
      const first = await listAuditEvents(db(), { companyId: company }, {});
      assert.equal(first.items.length, 20);
      assert.equal(first.items[0]?.target?.id, "24");
      assert.ok(first.nextCursor);
      const second = await listAuditEvents(db(), { companyId: company }, { cursor: first.nextCursor });
      assert.deepEqual(
        second.items.map((e) => e.target?.id),
        ["4", "3", "2", "1", "0"],
      );
      assert.equal(second.nextCursor, null);
      const roles = await listAuditEvents(db(), { companyId: company, action: "member.role_changed" }, { limit: 100 });
      assert.equal(roles.items.length, 5);
      const prefix = await listAuditEvents(db(), { companyId: company, action: "member.*" }, { limit: 100 });
      assert.equal(prefix.items.length, 5);
      const window = await listAuditEvents(
        db(),
        { companyId: company, from: first.items[4]?.occurredAt, to: first.items[1]?.occurredAt },
        {},
      );
      assert.deepEqual(
        window.items.map((e) => e.target?.id),
        ["22", "21", "20"],
      );
      const byActor = await listAuditEvents(db(), { companyId: company, actorId: "someone-else" }, {});
      assert.equal(byActor.items.length, 0);
      await assert.rejects(listAuditEvents(db(), { companyId: company }, { cursor: "not-a-cursor" }), {
        code: "pagination.invalid_cursor",
        status: 422,
      });
    });

    it("prune deletes old events and verify still passes from the first kept event", async () => {
      const pruneDb = await engine.create();
      try {
        const old = new TestClock();
        old.advance(-40 * 86_400);
        const company = COMPANY_A;
        for (let i = 0; i < 3; i++)
          await recordAuditEvent(pruneDb.handle.db, old, event({ action: "test.old", companyId: company }));
        for (let i = 0; i < 3; i++) await recordAuditEvent(pruneDb.handle.db, old, event({ action: "test.old" }));
        for (let i = 0; i < 2; i++)
          await recordAuditEvent(pruneDb.handle.db, clock, event({ action: "test.new", companyId: company }));
        const report = await pruneAuditEvents(pruneDb.handle.db, clock, 30);
        assert.equal(report.deleted, 6);
        const left = await pruneDb.handle.db
          .selectFrom("audit_events")
          .select(["action", "seq"])
          .orderBy("seq")
          .execute();
        assert.deepEqual(
          left.map((r) => [r.action, Number(r.seq)]),
          [
            ["test.new", 4],
            ["test.new", 5],
          ],
        );
        const verified = await verifyAuditChains(pruneDb.handle.db);
        assert.deepEqual(verified.broken, []);
        assert.equal(verified.events, 2);
        // The platform stream was emptied entirely; it keeps chaining from its anchor.
        await recordAuditEvent(pruneDb.handle.db, clock, event({ action: "test.after_prune" }));
        assert.deepEqual((await verifyAuditChains(pruneDb.handle.db)).broken, []);
        // Tampering with the first kept event is still caught.
        await sql`update audit_events set actor_id = ${"someone-else"} where seq = ${4}`.execute(pruneDb.handle.db);
        assert.equal((await verifyAuditChains(pruneDb.handle.db)).broken[0]?.seq, 4);
        assert.equal((await pruneAuditEvents(pruneDb.handle.db, clock, 30)).deleted, 0);
      } finally {
        await pruneDb.drop();
      }
    });
  });
}
