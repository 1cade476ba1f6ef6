import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sql } from "kysely";
import { type AuditEventInput, recordAuditEvent } from "../../../src/modules/audit/index.ts";
import { pruneAuditEvents, verifyAuditChains, verifyStream } from "../../../src/modules/audit/verify.ts";
import { TestClock } from "../../helpers/clock.ts";
import { enginesUnderTest, type TestDatabase } from "../../helpers/database.ts";

// Each way a stream can be broken is reported as itself: which event, which seq, and why. An
// operator reading `rampart audit verify` acts on exactly these fields.
const COMPANY = "0190a0a0-0000-7000-8000-0000000000c1";
const STREAM = `company:${COMPANY}`;
const input: AuditEventInput = {
  action: "test.verify",
  actorType: "system",
  actorId: null,
  targetType: "company",
  targetId: COMPANY,
  companyId: COMPANY,
  ip: null,
  userAgent: null,
  requestId: null,
  metadata: {},
};

for (const engine of await enginesUnderTest()) {
  describe(`audit verification names each break (${engine.engine})`, { skip: engine.skip }, () => {
    const clock = new TestClock();
    /** A fresh database with a chain of `n` events on STREAM; returns their ids by seq. */
    async function chain(n: number, run: (database: TestDatabase, ids: string[]) => Promise<void>) {
      const database = await engine.create();
      try {
        for (let i = 0; i < n; i++) await recordAuditEvent(database.handle.db, clock, input);
        const rows = await database.handle.db
          .selectFrom("audit_events")
          .select(["id", "seq"])
          .where("stream", "=", STREAM)
          .orderBy("seq")
          .execute();
        await run(
          database,
          rows.map((r) => r.id),
        );
      } finally {
        await database.drop();
      }
    }

    it("an intact chain: every event counted, nothing broken, also when verified up to a seq", async () => {
      await chain(3, async ({ handle: { db } }) => {
        assert.deepEqual(await verifyStream(db, STREAM), { stream: STREAM, events: 3 });
        assert.deepEqual(await verifyStream(db, STREAM, 2), { stream: STREAM, events: 2 });
        assert.deepEqual(await verifyStream(db, STREAM, 99), { stream: STREAM, events: 3 });
      });
    });

    it("a prev_hash edited, an event deleted in the middle or at the end, the head's hash edited", async () => {
      await chain(3, async ({ handle: { db } }, [, second]) => {
        await sql`update audit_events set prev_hash = ${"0".repeat(64)} where id = ${second}`.execute(db);
        assert.deepEqual(await verifyStream(db, STREAM), {
          stream: STREAM,
          events: 1,
          broken: {
            stream: STREAM,
            eventId: second,
            seq: 2,
            reason: "prev_hash does not match the previous event's hash",
          },
        });
      });
      await chain(3, async ({ handle: { db } }, [, second, third]) => {
        await sql`delete from audit_events where id = ${second}`.execute(db);
        assert.deepEqual((await verifyStream(db, STREAM)).broken, {
          stream: STREAM,
          eventId: third,
          seq: 3,
          reason: "events 2..2 before this one are missing",
        });
      });
      await chain(3, async ({ handle: { db } }, [, , third]) => {
        await sql`delete from audit_events where id = ${third}`.execute(db);
        assert.deepEqual(await verifyStream(db, STREAM), {
          stream: STREAM,
          events: 2,
          broken: { stream: STREAM, eventId: null, seq: 3, reason: "events 3..3 are missing" },
        });
      });
      await chain(3, async ({ handle: { db } }) => {
        await sql`update audit_chain_heads set last_hash = ${"f".repeat(64)} where stream = ${STREAM}`.execute(db);
        assert.deepEqual((await verifyStream(db, STREAM)).broken, {
          stream: STREAM,
          eventId: null,
          seq: 3,
          reason: "the last event's hash does not match the chain head",
        });
        assert.equal((await verifyStream(db, STREAM, 2)).broken, undefined, "up to seq 2 the chain holds");
      });
    });

    it("a stream without its head names its first event; a required stream that is gone is reported once", async () => {
      await chain(2, async ({ handle: { db } }, [first]) => {
        await sql`delete from audit_chain_heads where stream = ${STREAM}`.execute(db);
        assert.deepEqual(await verifyStream(db, STREAM), {
          stream: STREAM,
          events: 0,
          broken: { stream: STREAM, eventId: first, seq: 1, reason: "the stream has no chain head" },
        });
        await sql`delete from audit_events where stream = ${STREAM}`.execute(db);
        const gone = "company:0190a0a0-0000-7000-8000-0000000000c2";
        const report = await verifyAuditChains(db, [gone, "platform", gone]);
        const missing = { stream: gone, eventId: null, seq: 0, reason: "the stream and its chain head are missing" };
        assert.deepEqual(report.broken, [missing]);
        assert.deepEqual(report.streams.at(-1), { stream: gone, events: 0, broken: missing });
        // Several missing streams are reported in one order, whatever order they were asked in.
        const other = "company:0190a0a0-0000-7000-8000-0000000000b2";
        const both = await verifyAuditChains(db, [gone, other]);
        assert.deepEqual(
          both.broken.map((b) => b.stream),
          [other, gone],
        );
      });
    });

    it("counts the events of every stream in the report's total", async () => {
      await chain(2, async ({ handle: { db } }) => {
        await recordAuditEvent(db, clock, { ...input, companyId: null, targetType: "platform_state" });
        const report = await verifyAuditChains(db);
        assert.deepEqual(report.broken, []);
        assert.equal(report.events, 3);
      });
    });

    it("a stream longer than one read batch (1,001 events) is verified to its end", async () => {
      await chain(1001, async ({ handle: { db } }) => {
        assert.deepEqual(await verifyStream(db, STREAM), { stream: STREAM, events: 1001 });
      });
    });

    it("prune deletes exactly the old events across several chunks, a partial last one included, and the rest verifies", async () => {
      const old = new TestClock();
      old.advance(-40 * 86_400);
      const database = await engine.create();
      try {
        const db = database.handle.db;
        for (let i = 0; i < 25; i++) await recordAuditEvent(db, old, input);
        for (let i = 0; i < 5; i++) await recordAuditEvent(db, clock, input);
        // Chunks of 10: 1..10, 11..20, 21..25 — two whole ones and a partial last one.
        const report = await pruneAuditEvents(db, clock, 30, 10);
        assert.deepEqual([report.deleted, report.skipped], [25, []]);
        const kept = await db
          .selectFrom("audit_events")
          .select("seq")
          .where("stream", "=", STREAM)
          .orderBy("seq")
          .execute();
        assert.deepEqual(
          kept.map((r) => Number(r.seq)),
          [26, 27, 28, 29, 30],
        );
        const head = await db
          .selectFrom("audit_chain_heads")
          .select(["anchor_seq", "last_seq"])
          .where("stream", "=", STREAM)
          .executeTakeFirstOrThrow();
        assert.deepEqual([Number(head.anchor_seq), Number(head.last_seq)], [25, 30]);
        assert.deepEqual(await verifyStream(db, STREAM), { stream: STREAM, events: 5 });

        // 40 days on, 26..34 are past the cutoff: pruned from the moved anchor in chunks 26..32 and 33..34.
        for (let i = 0; i < 4; i++) await recordAuditEvent(db, clock, input);
        const later = new TestClock();
        later.advance(40 * 86_400);
        for (let i = 0; i < 2; i++) await recordAuditEvent(db, later, input);
        const again = await pruneAuditEvents(db, later, 30, 7);
        assert.deepEqual([again.deleted, again.skipped], [9, []]);
        assert.deepEqual(await verifyStream(db, STREAM), { stream: STREAM, events: 2 });
      } finally {
        await database.drop();
      }
    });

    it("prune leaves a broken stream whole and reports its break; a stream without a head is passed over", async () => {
      const old = new TestClock();
      old.advance(-40 * 86_400);
      const database = await engine.create();
      try {
        const db = database.handle.db;
        for (let i = 0; i < 3; i++) await recordAuditEvent(db, old, input);
        const intact = await pruneAuditEvents(db, clock, 30);
        assert.deepEqual([intact.deleted, intact.skipped], [3, []]);
        for (let i = 0; i < 3; i++) await recordAuditEvent(db, old, { ...input, companyId: null, targetType: "x" });
        const [second] = await db
          .selectFrom("audit_events")
          .select("id")
          .where("stream", "=", "platform")
          .where("seq", "=", 2)
          .execute();
        await sql`update audit_events set prev_hash = ${"0".repeat(64)} where id = ${second?.id}`.execute(db);
        await recordAuditEvent(db, old, { ...input, companyId: "0190a0a0-0000-7000-8000-0000000000c3" });
        await sql`delete from audit_chain_heads where stream = ${"company:0190a0a0-0000-7000-8000-0000000000c3"}`.execute(
          db,
        );
        const report = await pruneAuditEvents(db, clock, 30);
        assert.equal(report.deleted, 0);
        assert.deepEqual(report.skipped, [
          {
            stream: "platform",
            eventId: second?.id,
            seq: 2,
            reason: "prev_hash does not match the previous event's hash",
          },
        ]);
        assert.equal((await db.selectFrom("audit_events").select("id").execute()).length, 4, "the evidence is kept");
      } finally {
        await database.drop();
      }
    });
  });
}
