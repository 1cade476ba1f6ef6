import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sql } from "kysely";
import { type AuditEventInput, recordAuditEvent } from "../../src/modules/audit/index.ts";
import { type PruneReport, pruneAuditEvents, verifyStream } from "../../src/modules/audit/verify.ts";
import { TestClock } from "../helpers/clock.ts";
import { enginesUnderTest } from "../helpers/database.ts";
import { overlapHolding } from "./barrier.ts";

const COMPANY = "0190a0a0-0000-7000-8000-0000000000d1";
const STREAM = `company:${COMPANY}`;
const input: AuditEventInput = {
  action: "test.prune",
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

type Outcome = { report: PruneReport } | { error: Error };

/**
 * Two `rampart audit prune` runs at once (two cron hosts): each reads the stream's anchor and
 * verifies before it takes the chain head's lock per chunk. On PostgreSQL the test holds that
 * lock until both are queued on it; the first then deletes its first chunk, and the second,
 * next in the queue, finds its own first chunk's last event already gone.
 */
for (const engine of await enginesUnderTest()) {
  describe(`audit prune races (${engine.engine})`, { skip: engine.skip }, () => {
    it("two prunes at once: exactly the old events go, the chain verifies, and a prune that lost the race says so", async () => {
      const database = await engine.create();
      try {
        const db = database.handle.db;
        const now = new TestClock();
        const old = new TestClock();
        old.advance(-40 * 86_400);
        for (let i = 0; i < 15; i++) await recordAuditEvent(db, old, input);
        for (let i = 0; i < 10; i++) await recordAuditEvent(db, now, input);
        const prune = (): Promise<Outcome> =>
          pruneAuditEvents(db, now, 30, 10).then(
            (report) => ({ report }),
            (error: Error) => ({ error }),
          );
        const outcomes = await overlapHolding(
          { database },
          (trx) => sql`select stream from audit_chain_heads where stream = ${STREAM} for update`.execute(trx),
          prune,
          prune,
        );

        const kept = await db
          .selectFrom("audit_events")
          .select("seq")
          .where("stream", "=", STREAM)
          .orderBy("seq")
          .execute();
        assert.deepEqual(
          kept.map((r) => Number(r.seq)),
          Array.from({ length: 10 }, (_, i) => 16 + i),
        );
        assert.deepEqual(await verifyStream(db, STREAM), { stream: STREAM, events: 10 });
        const finished = outcomes.flatMap((o) => ("report" in o ? [o.report] : []));
        const stopped = outcomes.flatMap((o) => ("error" in o ? [o.error.message] : []));
        for (const message of stopped) assert.match(message, /^audit event company:\S+#\d+ vanished during prune$/);
        if (engine.engine === "postgres") {
          // The interleaving is certain here: the second stops at its first chunk, the first
          // deletes all fifteen.
          assert.equal(stopped.length, 1, `outcomes: ${JSON.stringify(outcomes)}`);
          assert.deepEqual(
            finished.map((r) => [r.deleted, r.skipped]),
            [[15, []]],
          );
        } else {
          // On SQLite the two run as they happen to; whatever finished counted only its own deletions.
          assert.ok(finished.length >= 1, `outcomes: ${JSON.stringify(outcomes)}`);
          assert.ok(finished.reduce((n, r) => n + r.deleted, 0) <= 15);
        }
      } finally {
        await database.drop();
      }
    });
  });
}
