import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import { setTimeout } from "node:timers/promises";
import { settleMemoryWhenIdle } from "../../../src/platform/lifecycle/settle-memory.ts";
import { createLogger } from "../../../src/platform/logging/logger.ts";

const SETTLED = "idle after start: start-up memory given back";

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createLogger({ LOG_LEVEL: "info", LOG_FORMAT: "json" }, destination), lines };
}

/** Keeps the event loop working (each turn spins ~5 ms) until `ms` have passed. */
async function busyFor(ms: number): Promise<void> {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    const spin = performance.now() + 5;
    while (performance.now() < spin);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

describe("settling start-up memory when idle", () => {
  it("runs one memory-reducing collection at the first idle interval and logs RSS before and after", async () => {
    const { logger, lines } = capturingLogger();
    settleMemoryWhenIdle(logger, { intervalMs: 20 });
    await setTimeout(300);
    const settled = lines.filter((line) => line.msg === SETTLED);
    assert.equal(settled.length, 1, "once, not at every idle interval");
    const { rssMiB, gcMs } = settled[0] as { rssMiB: { before: number; after: number }; gcMs: number };
    assert.ok(rssMiB.before > 0 && rssMiB.after > 0 && gcMs >= 0, JSON.stringify(settled[0]));
  });

  it("waits while the process is busy, and gives up on one that never goes idle", async () => {
    const { logger, lines } = capturingLogger();
    settleMemoryWhenIdle(logger, { intervalMs: 20, giveUpAfterMs: 200 });
    await busyFor(400);
    assert.deepEqual(lines, [], "no collection while busy");
    await setTimeout(200);
    assert.deepEqual(lines, [], "given up: idle later, still none");
  });

  it("can be called off before the first idle interval", async () => {
    const { logger, lines } = capturingLogger();
    const cancel = settleMemoryWhenIdle(logger, { intervalMs: 20 });
    cancel();
    await setTimeout(200);
    assert.deepEqual(lines, []);
  });
});
