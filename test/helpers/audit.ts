import { eventHash, GENESIS_HASH, newPersonalSalt, personalDigest, streamOf } from "../../src/modules/audit/chain.ts";
import type { AuditEventsTable } from "../../src/modules/audit/tables.ts";
import { newId } from "../../src/platform/db/ids.ts";
import type { Executor } from "../../src/platform/db/transaction.ts";

/**
 * Writes `count` correctly chained events to one stream in multi-row inserts — what
 * recordAuditEvent would produce, at bulk speed, for export and verify tests that need
 * many events. `start` is the first event's time; events are a millisecond apart.
 */
export async function seedAuditEvents(
  db: Executor,
  count: number,
  options: { companyId?: string | null; start?: Date; metadataBytes?: number; action?: string } = {},
): Promise<void> {
  const companyId = options.companyId ?? null;
  const stream = streamOf(companyId);
  const start = (options.start ?? new Date("2026-01-01T00:00:00.000Z")).getTime();
  const filler = "x".repeat(options.metadataBytes ?? 0);
  let prev = GENESIS_HASH;
  const batch: AuditEventsTable[] = [];
  const flush = async () => {
    if (batch.length > 0) await db.insertInto("audit_events").values(batch).execute();
    batch.length = 0;
  };
  for (let seq = 1; seq <= count; seq++) {
    const salt = newPersonalSalt();
    const fields = {
      id: newId(),
      stream,
      seq,
      occurred_at: new Date(start + seq).toISOString(),
      actor_type: "system" as const,
      actor_id: "seed",
      company_id: companyId,
      action: options.action ?? "test.seeded",
      target_type: "widget",
      target_id: String(seq),
      ip: "192.0.2.1",
      user_agent: "seed/1.0",
      personal_salt: salt,
      personal_digest: personalDigest(salt, "192.0.2.1", "seed/1.0"),
      request_id: `req-${seq}`,
      metadata: JSON.stringify({ n: seq, filler }),
      prev_hash: prev,
    };
    prev = eventHash(fields);
    batch.push({ ...fields, hash: prev });
    if (batch.length === 1000) await flush();
  }
  await flush();
  await db
    .insertInto("audit_chain_heads")
    .values({ stream, last_seq: count, last_hash: prev, anchor_seq: 0, anchor_hash: GENESIS_HASH, pruned_at: null })
    // The platform stream's empty head exists from migration 0009 on.
    .onConflict((oc) => oc.column("stream").doUpdateSet({ last_seq: count, last_hash: prev }))
    .execute();
}
