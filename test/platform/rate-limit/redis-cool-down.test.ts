import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { after, describe, it } from "node:test";
import { Redis } from "ioredis";
import { createLogger } from "../../../src/platform/logging/logger.ts";
import { createTierLimiter } from "../../../src/platform/rate-limit/limiter.ts";
import { RedisFallback } from "../../../src/platform/rate-limit/redis-fallback.ts";
import { closeRedis, connectRedis, createRedisClient } from "../../../src/platform/redis/connect.ts";
import { testConfig } from "../../helpers/app.ts";
import { LogCapture } from "../../helpers/log-capture.ts";
import { recordCommands } from "../../helpers/rate-limit.ts";
import { redis } from "../../helpers/services.ts";

const service = await redis();

// After Redis fails a rate-limit command, the limiter counts in memory for the fallback's
// cool-down without asking Redis again: otherwise, while Redis hangs, every request would wait
// out the command timeout on its own before being counted. This test breaks Redis for its own
// client only (a disconnect), so unlike the pause test it can run beside other suites and in
// every mutant's run (docs/claims.md, "Mutation testing", rate limiting).
describe("the rate limiter's Redis cool-down", { skip: service.skip }, () => {
  const admin = service.skip ? undefined : new Redis(String(service.url));
  const keyPrefix = `rampart:test:cooldown:${randomUUID()}`;
  after(async () => {
    if (!admin) return;
    const keys = await admin.keys(`${keyPrefix}:*`);
    if (keys.length > 0) await admin.del(...keys);
    admin.disconnect();
  });

  it("after a failed command, counts in memory and sends Redis nothing until the cool-down ends; one warning per incident", async () => {
    const logger = createLogger(testConfig({}), new LogCapture());
    const client = createRedisClient(
      { url: String(service.url), connectTimeoutMs: 1000, commandTimeoutMs: 2000 },
      logger,
    );
    assert.equal(await connectRedis(client, 1000, logger), true);
    let warnings = 0;
    const fallback = new RedisFallback(60_000, () => {
      warnings += 1;
    });
    const limiter = createTierLimiter(
      "public",
      { perMinute: 3, perHour: 100, burst: 3 },
      { redis: { client, fallback }, keyPrefix },
    );
    try {
      client.disconnect(); // this client's commands now fail at once: nothing queues offline
      const first = await limiter.consume("203.0.113.7");
      assert.equal(first.allowed, true, "a Redis failure is a request counted in memory, not an error");
      assert.equal(fallback.active(), true, "the failure starts the cool-down");
      assert.equal(warnings, 1);

      // Redis answers again (the client reconnects), but the cool-down has not ended.
      if (client.status === "end" || client.status === "wait") await client.connect();
      else if (client.status !== "ready") await once(client, "ready");
      const sent = recordCommands(client);
      const rest = [];
      for (let i = 0; i < 3; i++) rest.push(await limiter.consume("203.0.113.7"));
      assert.deepEqual(
        rest.map((d) => d.allowed),
        [true, true, false],
        "the memory counts carried on from the failed request: 3 allowed per minute",
      );
      assert.deepEqual(sent, [], "no command reached Redis during the cool-down");
      assert.deepEqual(await admin?.keys(`${keyPrefix}:*`), [], "nothing was counted in Redis");
      assert.equal(warnings, 1, "one warning for the incident");
    } finally {
      await closeRedis(client);
    }
  });
});
