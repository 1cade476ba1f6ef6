import { createHash, randomBytes } from "node:crypto";
import type { Kysely } from "kysely";

/**
 * Audit events keep where they came from (`ip`, `user_agent`) outside the hash chain, so
 * erasing a person's account can erase them without breaking `audit verify`: the chain
 * hash (v2) covers a salted digest of the two (`personal_digest`), and erasure nulls the
 * values and the salt.
 *
 * Existing events were hashed as v1 (over the values themselves). Each stream whose v1
 * chain verifies now is re-hashed as v2 in place, from its anchor to its head, and its head
 * moved to the new last hash; a stream that does not verify is left exactly as it is (v1),
 * so the migration never launders a tampered chain — `audit verify` keeps reporting it.
 *
 * `audit verify` now requires the platform stream to exist; a database with no events at
 * all gets its empty (genesis) head here. One that has events but no platform head keeps
 * lacking it, and verify reports that.
 *
 * The hash functions are spelt out here rather than imported: a migration must do the same
 * thing forever, whatever later becomes of the code in src/.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("audit_events").addColumn("personal_salt", "text").execute();
  await db.schema.alterTable("audit_events").addColumn("personal_digest", "text").execute();
  // A person's export and erasure find their events by actor and by target, not by company.
  await db.schema.createIndex("audit_events_actor").on("audit_events").column("actor_id").execute();
  await db.schema.createIndex("audit_events_target").on("audit_events").column("target_id").execute();
  // biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema as it was then, not src/'s types.
  const q = db as Kysely<any>;
  const anyEvent = await q.selectFrom("audit_events").select("id").limit(1).executeTakeFirst();
  if (!anyEvent)
    await q
      .insertInto("audit_chain_heads")
      .values({
        stream: "platform",
        last_seq: 0,
        last_hash: GENESIS,
        anchor_seq: 0,
        anchor_hash: GENESIS,
        pruned_at: null,
      })
      .onConflict((oc) => oc.column("stream").doNothing())
      .execute();
  const heads: Head[] = await q.selectFrom("audit_chain_heads").selectAll().orderBy("stream").execute();
  for (const head of heads) {
    if (!(await verifiesAsV1(q, head))) continue;
    let prev = head.anchor_hash;
    for await (const row of streamEvents(q, head)) {
      const salt = randomBytes(16).toString("hex");
      const digest = sha256(JSON.stringify(["rampart.audit.personal.v1", salt, row.ip, row.user_agent]));
      const hash = sha256(
        JSON.stringify(["rampart.audit.v2", ...common(row), digest, row.request_id, row.metadata, prev]),
      );
      await q
        .updateTable("audit_events")
        .set({ personal_salt: salt, personal_digest: digest, prev_hash: prev, hash })
        .where("id", "=", row.id)
        .execute();
      prev = hash;
    }
    await q.updateTable("audit_chain_heads").set({ last_hash: prev }).where("stream", "=", head.stream).execute();
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex("audit_events_target").execute();
  await db.schema.dropIndex("audit_events_actor").execute();
  // The v2 hashes cannot be turned back into v1 ones: after a down, `audit verify` reports the re-hashed streams.
  await db.schema.alterTable("audit_events").dropColumn("personal_digest").execute();
  await db.schema.alterTable("audit_events").dropColumn("personal_salt").execute();
}

const GENESIS = "0".repeat(64);

interface Head {
  stream: string;
  last_seq: number | string;
  last_hash: string;
  anchor_seq: number | string;
  anchor_hash: string;
}

interface Row {
  id: string;
  stream: string;
  seq: number | string;
  occurred_at: string;
  actor_type: string;
  actor_id: string | null;
  company_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  metadata: string;
  prev_hash: string;
  hash: string;
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function common(row: Row): unknown[] {
  return [
    row.id,
    row.stream,
    Number(row.seq),
    row.occurred_at,
    row.actor_type,
    row.actor_id,
    row.company_id,
    row.action,
    row.target_type,
    row.target_id,
  ];
}

/** A stream's events from its anchor up, in chain order, read 1000 at a time. */
// biome-ignore lint/suspicious/noExplicitAny: as in up().
async function* streamEvents(q: Kysely<any>, head: Head): AsyncGenerator<Row> {
  let after = Number(head.anchor_seq);
  for (;;) {
    const rows: Row[] = await q
      .selectFrom("audit_events")
      .selectAll()
      .where("stream", "=", head.stream)
      .where("seq", ">", after)
      .orderBy("seq")
      .limit(1000)
      .execute();
    yield* rows;
    if (rows.length < 1000) return;
    after = Number(rows.at(-1)?.seq);
  }
}

/** The v1 rules of `audit verify`: gap-free, linked, each hash matching, the head naming the last. */
// biome-ignore lint/suspicious/noExplicitAny: as in up().
async function verifiesAsV1(q: Kysely<any>, head: Head): Promise<boolean> {
  let seq = Number(head.anchor_seq);
  let prev = head.anchor_hash;
  for await (const row of streamEvents(q, head)) {
    seq += 1;
    if (Number(row.seq) !== seq || row.prev_hash !== prev) return false;
    const v1 = ["rampart.audit.v1", ...common(row), row.ip, row.user_agent, row.request_id, row.metadata, prev];
    if (sha256(JSON.stringify(v1)) !== row.hash) return false;
    prev = row.hash;
  }
  return seq === Number(head.last_seq) && prev === head.last_hash;
}
