import assert from "node:assert/strict";
import { it } from "node:test";
import { Registry } from "prom-client";
import { createCache } from "../../../src/platform/cache/cache.ts";
import { cacheOptionsFrom } from "../../../src/platform/cache/contract.ts";
import { createLogger } from "../../../src/platform/logging/logger.ts";
import {
  closeRedis,
  connectRedis,
  createRedisClient,
  redisReadinessCheck,
} from "../../../src/platform/redis/connect.ts";
import { buildTestApp, testConfig } from "../../helpers/app.ts";
import { LogCapture } from "../../helpers/log-capture.ts";

it("configured Redis that is down: /health/ready is 200 with redis degraded, and the cache still answers", async () => {
  const config = testConfig();
  const logger = createLogger(config, new LogCapture());
  // A port nothing listens on: Redis "configured but down".
  const redis = createRedisClient({ url: "redis://127.0.0.1:1", connectTimeoutMs: 300, commandTimeoutMs: 50 }, logger);
  await connectRedis(redis, 300, logger);
  const metrics = new Registry();
  const cache = await createCache(cacheOptionsFrom(config), { redis, logger, metrics });
  const { app } = await buildTestApp(
    {},
    { redis, cache, metrics, logger, readinessChecks: [redisReadinessCheck(redis)] },
  );
  try {
    const res = await app.inject({ url: "/health/ready" });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.status, "ready");
    assert.equal(body.checks.redis.status, "degraded");
    assert.equal(body.checks.redis.required, false);
    assert.doesNotMatch(res.body, /redis:\/\//, "no connection string in the probe");
    const status = cache.namespace<string>({ name: "user-status", version: 1 });
    assert.equal(await status.getOrLoad("u1", 60, async () => "active"), "active");
  } finally {
    await app.close();
    await cache.close();
    await closeRedis(redis);
  }
});
