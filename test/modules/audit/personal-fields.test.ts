import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, describe, it } from "node:test";
import { sql } from "kysely";
import { recordAuditEvent, verifyAuditChains } from "../../../src/modules/audit/index.ts";
import { newId } from "../../../src/platform/db/ids.ts";
import { loadMigrations, migrateUp } from "../../../src/platform/db/migrator.ts";
import { TestClock } from "../../helpers/clock.ts";
import { enginesUnderTest, type TestDatabase } from "../../helpers/database.ts";

const GENESIS = "0".repeat(64);

/** What recordAuditEvent wrote before migration 0009: the v1 hash over ip and user_agent themselves. */
async function seedV1Stream(db: TestDatabase["handle"]["db"], stream: string, count: number): Promise<string[]> {
  let prev = GENESIS;
  const ids: string[] = [];
  for (let seq = 1; seq <= count; seq++) {
    const row = {
      id: newId(),
      stream,
      seq,
      occurred_at: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
      actor_type: "user",
      actor_id: "01930000-0000-7000-8000-000000000001",
      company_id: null,
      action: "auth.login_succeeded",
      target_type: "user",
      target_id: "01930000-0000-7000-8000-000000000001",
      ip: `192.0.2.${seq}`,
      user_agent: "legacy/1.0",
      request_id: `req-${seq}`,
      metadata: "{}",
      prev_hash: prev,
    };
    const hash = createHash("sha256")
      .update(
        JSON.stringify([
          "rampart.audit.v1",
          row.id,
          row.stream,
          row.seq,
          row.occurred_at,
          row.actor_type,
          row.actor_id,
          row.company_id,
          row.action,
          row.target_type,
          row.target_id,
          row.ip,
          row.user_agent,
          row.request_id,
          row.metadata,
          row.prev_hash,
        ]),
      )
      .digest("hex");
    await sql`insert into audit_events (id, stream, seq, occurred_at, actor_type, actor_id, company_id, action, target_type, target_id, ip, user_agent, request_id, metadata, prev_hash, hash)
      values (${row.id}, ${stream}, ${seq}, ${row.occurred_at}, ${row.actor_type}, ${row.actor_id}, ${null}, ${row.action}, ${row.target_type}, ${row.target_id}, ${row.ip}, ${row.user_agent}, ${row.request_id}, ${row.metadata}, ${prev}, ${hash})`.execute(
      db,
    );
    ids.push(row.id);
    prev = hash;
  }
  await sql`insert into audit_chain_heads (stream, last_seq, last_hash, anchor_seq, anchor_hash) values (${stream}, ${count}, ${prev}, 0, ${GENESIS})`.execute(
    db,
  );
  return ids;
}

for (const engine of await enginesUnderTest()) {
  describe(`audit events' personal fields on ${engine.engine}`, { skip: engine.skip }, () => {
    const databases: TestDatabase[] = [];
    after(async () => {
      for (const d of databases) await d.drop();
    });

    it("erasing an event's IP, User-Agent and salt keeps the chain verifiable; editing them does not", async () => {
      const database = await engine.create();
      databases.push(database);
      const db = database.handle.db;
      const clock = new TestClock();
      for (const n of [1, 2, 3])
        await recordAuditEvent(db, clock, {
          action: "auth.login_succeeded",
          actorType: "user",
          actorId: `user-${n}`,
          ip: `198.51.100.${n}`,
          userAgent: `browser/${n}`,
        });
      await sql`update audit_events set ip = null, user_agent = null, personal_salt = null where actor_id = 'user-2'`.execute(
        db,
      );
      assert.deepEqual((await verifyAuditChains(db, ["platform"])).broken, []);

      await sql`update audit_events set ip = '203.0.113.9' where actor_id = 'user-3'`.execute(db);
      const edited = await verifyAuditChains(db);
      assert.equal(
        edited.broken[0]?.reason,
        "ip or user_agent does not match the event's personal digest (the row was changed)",
      );
      await sql`update audit_events set ip = '198.51.100.3' where actor_id = 'user-3'`.execute(db);
      await sql`update audit_events set ip = '203.0.113.9' where actor_id = 'user-2'`.execute(db);
      assert.equal((await verifyAuditChains(db)).broken[0]?.reason, "ip or user_agent was set after erasure");
      await sql`update audit_events set personal_digest = null where actor_id = 'user-1'`.execute(db);
      assert.match((await verifyAuditChains(db)).broken[0]?.reason ?? "", /hash does not match/);
    });

    it("migration 0009 re-hashes intact v1 chains as v2 and leaves a tampered one as evidence", async () => {
      const database = await engine.create({ migrate: false });
      databases.push(database);
      const handle = database.handle;
      const migrations = await loadMigrations();
      const beforeIt = migrations.filter((m) => m.name < "0009");
      await migrateUp(handle, beforeIt);
      const intact = await seedV1Stream(handle.db, "platform", 5);
      const tampered = await seedV1Stream(handle.db, "company:01930000-0000-7000-8000-00000000beef", 3);
      await sql`update audit_events set action = 'auth.other' where id = ${tampered[1] ?? ""}`.execute(handle.db);
      const before = await verifyAuditChains(handle.db);
      assert.deepEqual(
        before.broken.map((b) => b.eventId),
        [tampered[1]],
      );

      await migrateUp(handle, migrations);

      const afterMigration = await verifyAuditChains(handle.db, ["platform"]);
      assert.deepEqual(
        afterMigration.broken.map((b) => [b.eventId, b.reason]),
        [[tampered[1], "hash does not match the event's contents (the row was changed)"]],
        "the tampered stream is still reported, at the same event",
      );
      assert.equal(afterMigration.events, 5 + 1);
      const migrated = await handle.db
        .selectFrom("audit_events")
        .selectAll()
        .where("stream", "=", "platform")
        .execute();
      assert.deepEqual(migrated.map((e) => e.id).sort(), [...intact].sort());
      assert.ok(
        migrated.every((e) => e.personal_digest !== null && e.ip !== null),
        "re-hashed, values kept",
      );
      // Now the legacy events' IP addresses can be erased without breaking the chain.
      await sql`update audit_events set ip = null, user_agent = null, personal_salt = null where stream = 'platform'`.execute(
        handle.db,
      );
      assert.deepEqual((await verifyAuditChains(handle.db, ["platform"])).broken.length, 1);
      assert.equal(
        (await verifyAuditChains(handle.db, ["platform"])).streams.find((s) => s.stream === "platform")?.events,
        5,
      );
      const untouched = await handle.db
        .selectFrom("audit_events")
        .selectAll()
        .where("stream", "!=", "platform")
        .execute();
      assert.ok(
        untouched.every((e) => e.personal_digest === null),
        "the broken stream keeps its v1 rows",
      );
      // Appending to the migrated stream carries on from its new head.
      await recordAuditEvent(handle.db, new TestClock(), { action: "test.after", actorType: "system", actorId: "t" });
      assert.equal(
        (await verifyAuditChains(handle.db, ["platform"])).streams.find((s) => s.stream === "platform")?.broken,
        undefined,
      );
    });

    it("a fresh database has the platform stream's head, so verify can require it", async () => {
      const database = await engine.create();
      databases.push(database);
      const report = await verifyAuditChains(database.handle.db, ["platform"]);
      assert.deepEqual(report.broken, []);
      await sql`delete from audit_chain_heads where stream = 'platform'`.execute(database.handle.db);
      const gone = await verifyAuditChains(database.handle.db, ["platform"]);
      assert.equal(gone.broken[0]?.reason, "the stream and its chain head are missing");
    });
  });
}
