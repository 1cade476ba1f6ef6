import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { csvField, formatExport } from "../../../src/modules/audit/export-format.ts";
import { exportAuditEvents } from "../../../src/modules/audit/service.ts";
import { seedAuditEvents } from "../../helpers/audit.ts";
import { enginesUnderTest, type TestDatabase } from "../../helpers/database.ts";

describe("CSV fields", () => {
  it("quotes commas, quotes and line breaks (RFC 4180)", () => {
    assert.equal(csvField("plain"), "plain");
    assert.equal(csvField("a,b"), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField("line\nbreak"), '"line\nbreak"');
    assert.equal(csvField("cr\rlf"), '"cr\rlf"');
    assert.equal(csvField(null), "");
    assert.equal(csvField(42), "42");
  });

  it("defuses spreadsheet formulas in attacker-controlled text", () => {
    assert.equal(csvField('=HYPERLINK("http://evil")'), '"\'=HYPERLINK(""http://evil"")"');
    assert.equal(csvField("+1"), "'+1");
    assert.equal(csvField("-2"), "'-2");
    assert.equal(csvField("@SUM(A1)"), "'@SUM(A1)");
    assert.equal(csvField("\tx"), "'\tx");
  });
});

const EVENTS = 100_000;

// Garbage not yet collected is not memory held: sample the live heap right after a full GC.
setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;
function liveHeap(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

for (const engine of await enginesUnderTest()) {
  describe(`audit export on ${engine.engine}`, { skip: engine.skip }, () => {
    let database: TestDatabase;
    before(async () => {
      database = await engine.create();
      await seedAuditEvents(database.handle.db, EVENTS, { companyId: null, metadataBytes: 600 });
    });
    after(() => database?.drop());

    it(`streams ${EVENTS} events in order with flat memory`, async () => {
      const baseline = liveHeap();
      let peak = baseline;
      let chunks = 0;
      let bytes = 0;
      let lines = 0;
      let lastSeq = 0;
      let inOrder = true;
      for await (const chunk of formatExport(exportAuditEvents(database.handle.db, {}), "ndjson")) {
        bytes += chunk.length;
        for (const line of chunk.split("\n")) {
          if (!line) continue;
          lines += 1;
          const seq = (JSON.parse(line) as { sequence: number }).sequence;
          if (seq !== lastSeq + 1) inOrder = false;
          lastSeq = seq;
        }
        chunks += 1;
        if (chunks % 100 === 0) peak = Math.max(peak, liveHeap());
      }
      const growthMb = (peak - baseline) / 2 ** 20;
      const outputMb = bytes / 2 ** 20;
      process.stderr.write(
        `# export: ${lines} events, ${outputMb.toFixed(0)} MiB out, peak live heap growth ${growthMb.toFixed(1)} MiB\n`,
      );
      assert.equal(lines, EVENTS);
      assert.ok(inOrder, "oldest first, in chain order");
      // Holding the export would need at least its own size; one batch at a time needs a small fraction of it.
      assert.ok(outputMb > 80, `the export is large enough to tell (${outputMb} MiB)`);
      assert.ok(
        growthMb < outputMb / 2,
        `heap grew ${growthMb.toFixed(1)} MiB for a ${outputMb.toFixed(0)} MiB export`,
      );
    });

    it("exports CSV with a header and one escaped row per event", async () => {
      let text = "";
      for await (const chunk of formatExport(
        exportAuditEvents(database.handle.db, { from: "2026-01-01T00:00:00.001Z", to: "2026-01-01T00:00:00.003Z" }),
        "csv",
      ))
        text += chunk;
      const rows = text.trimEnd().split("\r\n");
      assert.equal(
        rows[0],
        "id,occurred_at,actor_type,actor_id,company_id,action,target_type,target_id,ip,user_agent,request_id,metadata,seq,prev_hash,hash",
      );
      assert.equal(rows.length, 3);
      assert.match(
        String(rows[1]),
        /^[0-9a-f-]{36},2026-01-01T00:00:00\.001Z,system,seed,,test\.seeded,widget,1,192\.0\.2\.1,seed\/1\.0,req-1,"\{""n"":1,""filler"":""x+""\}",1,0{64},[0-9a-f]{64}$/,
      );
    });
  });
}
