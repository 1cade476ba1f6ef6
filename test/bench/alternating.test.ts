import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { alternatingRatio, median } from "../../bench/alternating.ts";

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

  it("takes the middle value, or the mean of the two middle values", () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.ok(Number.isNaN(median([])));
  });
});
