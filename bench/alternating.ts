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
