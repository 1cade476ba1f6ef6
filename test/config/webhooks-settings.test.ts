import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, loadConfig } from "../../src/config/load.ts";

describe("webhook settings", () => {
  it("default to 10 s attempts, a 3-day window, private targets refused, no ENCRYPTION_KEY", () => {
    const config = loadConfig({});
    assert.equal(config.WEBHOOKS_TIMEOUT_MS, 10_000);
    assert.equal(config.WEBHOOKS_RETRY_WINDOW_MS, 3 * 24 * 3600 * 1000);
    assert.equal(config.WEBHOOKS_ALLOW_PRIVATE, false);
    assert.equal(config.ENCRYPTION_KEY, undefined);
  });

  it("refuses a lease no longer than an attempt, and an ENCRYPTION_KEY under 32 characters", () => {
    try {
      loadConfig({ WEBHOOKS_TIMEOUT_MS: "10000", WEBHOOKS_LEASE_MS: "10000", ENCRYPTION_KEY: "tiny-key-q7x" });
      assert.fail("expected a ConfigError");
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(error.problems.map((p) => p.name).sort(), ["ENCRYPTION_KEY", "WEBHOOKS_LEASE_MS"]);
      assert.ok(!JSON.stringify(error.problems).includes("tiny-key-q7x"), "the secret is not echoed");
    }
  });
});
