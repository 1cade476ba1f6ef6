import { randomBytes } from "node:crypto";
import { rssMiB } from "./proc.ts";

/**
 * The token every Rampart server the bench starts serves `GET /metrics` with (METRICS_TOKEN),
 * so the memory-growth verdict can read how much of its RSS is V8's young generation.
 */
export const BENCH_METRICS_TOKEN = randomBytes(24).toString("hex");

const NEW_SPACE = /^nodejs_heap_space_size_total_bytes\{space="new"\} (\d+(?:\.\d+)?)$/m;

/** The server's young generation (V8's new space, both semi-spaces) in MiB, from its /metrics; undefined when unreadable. */
async function youngGenerationMiB(url: string): Promise<number | undefined> {
  try {
    const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${BENCH_METRICS_TOKEN}` } });
    const bytes = NEW_SPACE.exec(await res.text())?.[1];
    return bytes === undefined ? undefined : Math.round(Number(bytes) / 1024 / 1024);
  } catch {
    return undefined;
  }
}

export interface MemoryReading {
  readonly rssMiB: number | undefined;
  readonly youngMiB: number | undefined;
}

export async function memoryReading(url: string, pid: number | undefined): Promise<MemoryReading> {
  return { youngMiB: await youngGenerationMiB(url), rssMiB: rssMiB(pid) };
}

/**
 * Growth of the memory a leak would hold: RSS without the young generation. V8 doubles its
 * young generation, up to a fixed cap, each time as many bytes survived its collections as
 * it holds: a server whose requests leave little behind reaches the cap later, sometimes
 * only in the second load round (190 → 242 MiB of RSS in one run, 255 → 256 in the next,
 * docs/benchmarks.md, tenth session). That doubling is bounded; a leak is not, and lands in
 * the old generation or outside the heap, which this still counts in full.
 */
export function growthWithoutYoung(first: MemoryReading, last: MemoryReading): { growth: number; figure: string } {
  const raw = `${first.rssMiB ?? "—"} → ${last.rssMiB ?? "—"} MiB`;
  if (
    first.rssMiB === undefined ||
    last.rssMiB === undefined ||
    first.youngMiB === undefined ||
    last.youngMiB === undefined
  )
    return { growth: Number.POSITIVE_INFINITY, figure: `${raw} (young generation unreadable)` };
  const before = first.rssMiB - first.youngMiB;
  const after = last.rssMiB - last.youngMiB;
  const growth = after / before - 1;
  return {
    growth,
    figure: `${before} → ${after} MiB (${(growth * 100).toFixed(1)} %) without the young generation (${first.youngMiB} → ${last.youngMiB} MiB); RSS ${raw}`,
  };
}
