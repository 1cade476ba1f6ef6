import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createLogger } from "../../../src/platform/logging/logger.ts";
import {
  closeRedis,
  connectRedis,
  createRedisClient,
  redisReadinessCheck,
} from "../../../src/platform/redis/connect.ts";
import { LogCapture } from "../../helpers/log-capture.ts";
import { redis } from "../../helpers/services.ts";

const service = await redis();

function client(url: string, logs: LogCapture) {
  const logger = createLogger({ LOG_LEVEL: "info", LOG_FORMAT: "json" }, logs);
  return { logger, client: createRedisClient({ url, connectTimeoutMs: 3000, commandTimeoutMs: 50 }, logger) };
}

describe("redis connection", () => {
  it("starts degraded within the connect timeout when Redis does not answer, with one warning", async () => {
    const logs = new LogCapture();
    // A port nothing listens on: refused at once; the client keeps retrying in the background.
    const { logger, client: c } = client("redis://127.0.0.1:1", logs);
    const started = Date.now();
    const connected = await connectRedis(c, 500, logger);
    assert.equal(connected, false);
    assert.ok(Date.now() - started < 1500);
    await assert.rejects(redisReadinessCheck(c).check(new AbortController().signal));
    await new Promise((r) => setTimeout(r, 300));
    const warnings = logs.lines().filter((l) => l.msg === "redis unavailable; using in-process fallbacks");
    assert.equal(warnings.length, 1, "one warning per incident, not per retry");
    assert.doesNotMatch(logs.text(), /redis:\/\/127\.0\.0\.1:1/, "the URL (may hold a password) is not logged");
    await closeRedis(c);
  });

  it("connects and passes the readiness check when Redis answers", { skip: service.skip }, async () => {
    const logs = new LogCapture();
    const { logger, client: c } = client(String(service.url), logs);
    assert.equal(await connectRedis(c, 3000, logger), true);
    await redisReadinessCheck(c).check(new AbortController().signal);
    assert.equal(redisReadinessCheck(c).required, false);
    await closeRedis(c);
  });
});
