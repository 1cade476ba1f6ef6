import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Redis } from "ioredis";
import { createLogger } from "../../../src/platform/logging/logger.ts";
import { createRuntimeDeps } from "../../../src/platform/runtime-deps.ts";
import { testConfig } from "../../helpers/app.ts";
import { LogCapture } from "../../helpers/log-capture.ts";
import { redis } from "../../helpers/services.ts";

const service = await redis();

describe("the runtime's cache", { skip: service.skip }, () => {
  it("with REDIS_URL: stores in Redis, listens for invalidations, and stops listening on close", async () => {
    const prefix = `test:runtime-cache:${process.pid}`;
    // Wiring, not timeouts, is the subject: a loaded machine must not turn a slow reply into a miss here.
    const config = testConfig({
      REDIS_URL: String(service.url),
      CACHE_KEY_PREFIX: prefix,
      REDIS_COMMAND_TIMEOUT_MS: "1000",
    });
    const runtime = await createRuntimeDeps(config, createLogger(config, new LogCapture()));
    const admin = new Redis(String(service.url));
    let closed = false;
    try {
      const subscribers = async () =>
        (await admin.call("PUBSUB", "NUMSUB", `${prefix}:invalidate`)) as [string, number];
      assert.deepEqual(await subscribers(), [`${prefix}:invalidate`, 1]);
      await runtime.deps.cache.namespace<string>({ name: "user-status", version: 1 }).set("u1", "active", 60);
      assert.equal(await admin.get(`${prefix}:user-status:v1:u1`), '"active"');
      await runtime.close();
      closed = true;
      assert.deepEqual(await subscribers(), [`${prefix}:invalidate`, 0]);
    } finally {
      // A failed assertion must not leave connections open: the test file would never exit.
      if (!closed) await runtime.close();
      await admin.del(`${prefix}:user-status:v1:u1`);
      await admin.quit();
    }
  });

  it("without REDIS_URL: an in-process cache", async () => {
    const config = testConfig();
    const runtime = await createRuntimeDeps(config, createLogger(config, new LogCapture()));
    try {
      assert.equal(runtime.deps.redis, undefined);
      const status = runtime.deps.cache.namespace<string>({ name: "user-status", version: 1 });
      await status.set("u1", "active", 60);
      assert.equal(await status.get("u1"), "active");
    } finally {
      await runtime.close();
    }
  });
});
