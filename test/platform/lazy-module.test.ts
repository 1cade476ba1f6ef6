import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { lazyModule } from "../../src/platform/lazy-module.ts";

describe("lazyModule", () => {
  it("loads once on first use, and every caller gets the same module", async () => {
    let loads = 0;
    const load = lazyModule(async () => {
      loads += 1;
      return { loaded: loads };
    });
    assert.equal(loads, 0, "nothing is loaded before the first call");
    const [a, b] = await Promise.all([load(), load()]);
    assert.equal(a, b);
    assert.equal((await load()).loaded, 1);
    assert.equal(loads, 1);
  });

  it("a failed load is retried by the next call, not remembered", async () => {
    let attempts = 0;
    const load = lazyModule(async () => {
      attempts += 1;
      if (attempts === 1) throw new Error("first load fails");
      return "module";
    });
    await assert.rejects(load(), /first load fails/);
    assert.equal(await load(), "module");
    assert.equal(attempts, 2);
  });
});
