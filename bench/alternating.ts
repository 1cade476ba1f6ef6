/** One server under load for a while: its requests per second. */
export type MeasureRound = (seconds: number) => Promise<number>;

export interface AlternatingRatio {
  /** The median of the rounds' ratios (measured / reference). */
  readonly median: number;
  /** Each pair's ratio, in the order measured. */
  readonly ratios: readonly number[];
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * Requests/s of `measured` as a ratio of `reference`'s, from short rounds taken in turn while
 * both servers are up: reference then measured, then measured then reference, and so on, so
 * neither always follows the other. This machine's speed drifts within minutes (a scenario's
 * one 10 s run against a reference's run a minute earlier read from 0.73× to 0.93× for the
 * same build); a pair of rounds seconds apart shares the drift, and the median of the pairs
 * leaves out a round a neighbour's burst fell on.
 */
export async function alternatingRatio(
  reference: MeasureRound,
  measured: MeasureRound,
  rounds: number,
  seconds: number,
): Promise<AlternatingRatio> {
  const ratios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    let referenceRps: number;
    let measuredRps: number;
    if (round % 2 === 0) {
      referenceRps = await reference(seconds);
      measuredRps = await measured(seconds);
    } else {
      measuredRps = await measured(seconds);
      referenceRps = await reference(seconds);
    }
    ratios.push(referenceRps > 0 ? measuredRps / referenceRps : 0);
  }
  return { median: median(ratios), ratios };
}

export interface PooledRatio {
  /** The median of every round of every pair of processes. */
  readonly median: number;
  /** Each pair of processes' own result, in the order taken. */
  readonly pairs: readonly AlternatingRatio[];
}

/**
 * The same rounds on several pairs of processes, the verdict the median of all their rounds.
 * A pair carries what its two processes happened to be — where their code and heap landed,
 * what their JITs chose, which stretch of the machine's time they ran in — and rounds within
 * one pair cannot share that out: one build's `GET /health` against the floor read 0.89–0.97×
 * pair by pair in one day's runs on a 2-core machine (docs/benchmarks.md).
 * `pairOf(i)` returns the i-th pair's ratio, starting its processes anew (the first pair may be
 * servers already up).
 */
export async function pooledOverPairs(
  pairs: number,
  pairOf: (index: number) => Promise<AlternatingRatio>,
): Promise<PooledRatio> {
  const taken: AlternatingRatio[] = [];
  for (let index = 0; index < Math.max(1, pairs); index++) taken.push(await pairOf(index));
  return { median: median(taken.flatMap((pair) => pair.ratios)), pairs: taken };
}
