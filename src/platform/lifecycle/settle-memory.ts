import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

interface GcOptions {
  readonly type: "major";
  readonly execution: "sync";
  readonly flavor: "last-resort";
}

/**
 * Gives back what start-up used and no longer needs, once, before the server listens.
 *
 * Loading ~1,700 modules allocates mostly long-lived objects, so V8 grows its young
 * generation to the maximum (two 16 MiB semi-spaces) on the way and keeps it, with old-space
 * pages left fragmented: an idle instance held ~140 MiB resident. V8's memory reducer is meant
 * to give such memory back when a process goes idle, but it judges idleness from the
 * allocation rate it last measured, at a garbage collection during start-up, so it waits
 * forever ("high alloc" under --trace-memory-reducer). A memory-reducing full collection does
 * what it would: the semi-spaces shrink to their minimum and grow again under load, as they
 * would after any idle period. Measured on a migrated embedded start: 137-139 → 112-113 MiB,
 * ~80 ms of start (issue #21's idle RSS and start to ready; docs/benchmarks.md).
 *
 * The collection is V8's own `gc()` (the --expose-gc function), taken from a fresh context
 * with the flag set only while that context is made, so no other code sees a `gc` global.
 */
export function settleStartupMemory(): void {
  setFlagsFromString("--expose-gc");
  let gc: (options: GcOptions) => void;
  try {
    gc = runInNewContext("gc") as typeof gc;
  } finally {
    setFlagsFromString("--no-expose-gc");
  }
  gc({ type: "major", execution: "sync", flavor: "last-resort" });
}
