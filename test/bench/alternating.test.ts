import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { alternatingRatio, median, pooledOverPairs } from "../../bench/alternating.ts";

describe("alternating rounds between a reference and a measured server", () => {
  it("takes the rounds in turn, each pair in the other order than the one before", async () => {
    const order: string[] = [];
    const side = (name: string, rps: number) => async (seconds: number) => {
      order.push(`${name}${seconds}`);
      return rps;
    };
    const { ratios } = await alternatingRatio(side("ref", 100), side("me", 90), 4, 3);
    assert.deepEqual(order, ["ref3", "me3", "me3", "ref3", "ref3", "me3", "me3", "ref3"]);
    assert.deepEqual(ratios, [0.9, 0.9, 0.9, 0.9]);
  });

  it("pairs each measured round with its own reference round and reports the median pair", async () => {
    // The machine slows down between pairs; within a pair the measured server is 0.8x.
    const speeds = [1, 1, 0.5, 0.5, 2, 2, 1, 1, 0.7, 0.7];
    let call = 0;
    const reference = async () => 1000 * (speeds[call++] as number);
    const measured = async () => 800 * (speeds[call++] as number) * (call === 6 ? 0.5 : 1);
    const result = await alternatingRatio(reference, measured, 5, 1);
    assert.equal(result.ratios.length, 5);
    assert.equal(result.median, 0.8);
    assert.ok(
      result.ratios.some((r) => r < 0.5),
      "the pair a burst fell on is kept in the list, not in the median",
    );
  });

  it("judges several pairs of processes on the median of all their rounds, not on one pair's luck", async () => {
    // Three pairs of processes whose rounds spread differently. The median of the pairs' medians
    // (0.95, 0.71, 0.61) would be 0.71; the median of all nine rounds is 0.9.
    const byPair = [
      [0.9, 0.95, 0.96],
      [0.7, 0.94, 0.71],
      [0.93, 0.6, 0.61],
    ];
    const started: number[] = [];
    const pooled = await pooledOverPairs(3, async (index) => {
      started.push(index);
      const ratios = byPair[index] as number[];
      return { ratios, median: median(ratios) };
    });
    assert.deepEqual(started, [0, 1, 2], "each pair is taken once, in order");
    assert.equal(pooled.median, 0.9, "the median of the nine rounds, not of one pair nor of the pairs' medians");
    assert.deepEqual(
      pooled.pairs.map((pair) => pair.median),
      [0.95, 0.71, 0.61],
      "each pair's own median is kept for the report",
    );
    const single = await pooledOverPairs(1, async () => ({ ratios: [0.7, 0.71, 0.69], median: 0.7 }));
    assert.equal(single.median, 0.7, "one pair is judged on its own rounds");
    assert.equal(single.pairs.length, 1);
  });

  it("takes the middle value, or the mean of the two middle values", () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.ok(Number.isNaN(median([])));
  });
});
