import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createTierLimiter } from "../../../src/platform/rate-limit/limiter.ts";

// A tier whose burst equals its per-minute limit (the auth tier: min=10, burst=10) has no
// burst allowance at all: no burst window in its RateLimit policies, and a refusal that
// names the minute window only — not a burst window of quota 0.
describe("rate-limit tiers without a burst allowance", () => {
  it("burst equal to the per-minute limit: two policies, and the refusal reports the minute window alone", async () => {
    const limiter = createTierLimiter(
      "auth",
      { perMinute: 3, perHour: 100, burst: 3 },
      { redis: undefined, keyPrefix: "t" },
    );
    assert.deepEqual(
      limiter.windows.map((w) => w.policy),
      ["auth-min", "auth-hour"],
    );
    for (let i = 0; i < 3; i++) assert.equal((await limiter.consume("k")).allowed, true);
    const refused = await limiter.consume("k");
    assert.equal(refused.allowed, false);
    assert.deepEqual(
      refused.windows.map((w) => [w.policy, w.quota, w.remaining]),
      [["auth-min", 3, 0]],
    );
    assert.ok(refused.retryAfterSeconds > 0 && refused.retryAfterSeconds <= 60);
  });
});
