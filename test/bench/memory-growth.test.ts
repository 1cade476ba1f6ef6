import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { growthWithoutYoung } from "../../bench/memory-growth.ts";

// The memory-growth verdict (≤ +10 % over three load rounds) reads RSS without V8's young
// generation, whose doubling up to its cap is not growth a leak makes. What must still fail:
// anything else that grows, and a reading it cannot make.
describe("bench: memory growth over load rounds", () => {
  it("the young generation doubling to its cap alone is not growth", () => {
    const { growth, figure } = growthWithoutYoung({ rssMiB: 190, youngMiB: 64 }, { rssMiB: 242, youngMiB: 128 });
    assert.ok(growth <= 0.1, figure);
    assert.match(figure, /126 → 114 MiB .* without the young generation \(64 → 128 MiB\); RSS 190 → 242 MiB/);
  });

  it("memory held outside the young generation fails the bound, whatever the young generation did", () => {
    assert.ok(growthWithoutYoung({ rssMiB: 190, youngMiB: 64 }, { rssMiB: 204, youngMiB: 64 }).growth > 0.1);
    assert.ok(
      growthWithoutYoung({ rssMiB: 190, youngMiB: 64 }, { rssMiB: 190, youngMiB: 32 }).growth > 0.1,
      "the young generation shrank, the rest grew by 32 MiB",
    );
  });

  it("an unreadable young generation or RSS fails rather than passing unmeasured", () => {
    assert.equal(
      growthWithoutYoung({ rssMiB: 190, youngMiB: undefined }, { rssMiB: 190, youngMiB: 64 }).growth,
      Number.POSITIVE_INFINITY,
    );
    assert.equal(
      growthWithoutYoung({ rssMiB: 190, youngMiB: 64 }, { rssMiB: undefined, youngMiB: 64 }).growth,
      Number.POSITIVE_INFINITY,
    );
  });
});
