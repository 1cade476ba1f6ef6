import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { formatExport } from "../src/modules/audit/export-format.ts";
import { recordAuditEvent } from "../src/modules/audit/index.ts";
import { exportAuditEvents } from "../src/modules/audit/service.ts";
import { systemClock } from "../src/platform/clock.ts";
import { withTransaction } from "../src/platform/db/transaction.ts";
import { seedAuditEvents } from "../test/helpers/audit.ts";
import { type EngineUnderTest, enginesUnderTest } from "../test/helpers/database.ts";

/**
 * The audit trail's own figures, in process (no HTTP): appends per second to one stream
 * (serial, and 20 concurrent writers contending for the stream's head lock) and the export
 * of 100 000 events — its rate and how much live heap it holds. The export must stay under
 * EXPORT_HEAP_LIMIT_MIB of live heap growth, or the run fails.
 */
const APPENDS = 2000;
const EXPORTED = 100_000;
const EXPORT_HEAP_LIMIT_MIB = 32;

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const liveHeap = () => {
  gc();
  return process.memoryUsage().heapUsed;
};

async function appendsPerSecond(engine: EngineUnderTest, writers: number): Promise<number> {
  const database = await engine.create();
  try {
    const db = database.handle.db;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: writers }, async () => {
        for (let i = 0; i < APPENDS / writers; i++)
          await withTransaction(db, (trx) =>
            recordAuditEvent(trx, systemClock, {
              action: "bench.appended",
              actorType: "system",
              actorId: "bench",
              companyId: "0190a0a0-0000-7000-8000-0000000000be",
              metadata: { before: { role: "viewer" }, after: { role: "admin" } },
            }),
          );
      }),
    );
    return Math.round(APPENDS / ((performance.now() - started) / 1000));
  } finally {
    await database.drop();
  }
}

async function exportFigures(engine: EngineUnderTest) {
  const database = await engine.create();
  try {
    await seedAuditEvents(database.handle.db, EXPORTED, { metadataBytes: 600 });
    const baseline = liveHeap();
    const rssBefore = process.memoryUsage().rss;
    let peak = baseline;
    let peakRss = rssBefore;
    let bytes = 0;
    let chunks = 0;
    const started = performance.now();
    for await (const chunk of formatExport(exportAuditEvents(database.handle.db, {}), "ndjson")) {
      bytes += chunk.length;
      if (++chunks % 100 === 0) {
        peak = Math.max(peak, liveHeap());
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    return {
      rowsPerSecond: Math.round(EXPORTED / seconds),
      outputMib: bytes / 2 ** 20,
      heapGrowthMib: (peak - baseline) / 2 ** 20,
      rssGrowthMib: (peakRss - rssBefore) / 2 ** 20,
    };
  } finally {
    await database.drop();
  }
}

/** Prints the audit table; returns false when the export's memory target is missed. */
export async function auditBench(out: NodeJS.WritableStream): Promise<boolean> {
  let ok = true;
  out.write(
    `\n| audit (${EXPORTED} events exported) | appends/s serial | appends/s 20 writers | export rows/s | export MiB | live heap growth MiB | RSS growth MiB |\n|---|---:|---:|---:|---:|---:|---:|\n`,
  );
  for (const engine of await enginesUnderTest()) {
    if (engine.skip) continue;
    const serial = await appendsPerSecond(engine, 1);
    const concurrent = await appendsPerSecond(engine, 20);
    const e = await exportFigures(engine);
    if (e.heapGrowthMib > EXPORT_HEAP_LIMIT_MIB) ok = false;
    out.write(
      `| ${engine.engine} | ${serial} | ${concurrent} | ${e.rowsPerSecond} | ${e.outputMib.toFixed(0)} | ${e.heapGrowthMib.toFixed(1)} (target ≤ ${EXPORT_HEAP_LIMIT_MIB}) | ${e.rssGrowthMib.toFixed(1)} |\n`,
    );
  }
  return ok;
}
