import { performance } from "node:perf_hooks";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { Logger } from "../logging/logger.ts";

interface GcOptions {
  readonly type: "major";
  readonly execution: "sync";
  readonly flavor: "last-resort";
}

export interface SettleOptions {
  /** How often the event loop's utilization is sampled. */
  readonly intervalMs?: number;
  /** Below this share of the last interval spent working, the process counts as idle. */
  readonly idleBelow?: number;
  /** A process busy from its first moment keeps its memory in use anyway: stop looking after this. */
  readonly giveUpAfterMs?: number;
}

/**
 * Gives back what start-up used and no longer needs, once, at the first idle moment after
 * the server listens.
 *
 * Loading ~1,700 modules allocates mostly long-lived objects, so V8 grows its young
 * generation to the maximum (two 16 MiB semi-spaces) on the way and keeps it, with old-space
 * pages left fragmented: an idle instance held ~140 MiB resident. V8's memory reducer is meant
 * to give such memory back when a process goes idle, but it judges idleness by the allocation
 * rate it last measured, at a collection during start-up, and waits forever ("high alloc"
 * under --trace-memory-reducer). One memory-reducing full collection does what it would: the
 * semi-spaces shrink to their minimum and grow again under load, as after any idle period.
 * Measured on a migrated embedded start: 135-143 → 111-118 MiB (issue #21's idle RSS).
 *
 * Why after listening, when idle: the collection takes 70-110 ms of the main thread, and run
 * before listening it delayed starts by 80-400 ms on a 2-core machine. At an idle moment no
 * request waits behind it, and a process under load from its first moment never pays it.
 */
export function settleMemoryWhenIdle(logger: Logger, options: SettleOptions = {}): () => void {
  const { intervalMs = 250, idleBelow = 0.05, giveUpAfterMs = 120_000 } = options;
  const started = performance.now();
  let previous = performance.eventLoopUtilization();
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(now, previous).utilization;
    previous = now;
    if (busy < idleBelow) {
      clearInterval(timer);
      const before = process.memoryUsage.rss();
      const gcStarted = performance.now();
      fullMemoryReducingGc();
      logger.info(
        {
          rssMiB: { before: mebibytes(before), after: mebibytes(process.memoryUsage.rss()) },
          gcMs: Math.round(performance.now() - gcStarted),
        },
        "idle after start: start-up memory given back",
      );
    } else if (performance.now() - started > giveUpAfterMs) clearInterval(timer);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

const mebibytes = (bytes: number) => Math.round(bytes / 2 ** 20);

/**
 * V8's own `gc()` (the --expose-gc function), taken from a fresh context with the flag set
 * only while that context is made, so no other code sees a `gc` global. "last-resort" is the
 * memory-reducing flavour: it also shrinks the young generation, which a regular one keeps.
 */
function fullMemoryReducingGc(): void {
  setFlagsFromString("--expose-gc");
  let gc: (options: GcOptions) => void;
  try {
    gc = runInNewContext("gc") as typeof gc;
  } finally {
    setFlagsFromString("--no-expose-gc");
  }
  gc({ type: "major", execution: "sync", flavor: "last-resort" });
}
