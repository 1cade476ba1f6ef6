import { createRequire } from "node:module";
import type { Redis } from "ioredis";
import type { ReadinessCheck } from "../health/readiness.ts";
import type { Logger } from "../logging/logger.ts";
import { withTimeout } from "../timeout.ts";

const require = createRequire(import.meta.url);

export interface RedisOptions {
  readonly url: string;
  readonly connectTimeoutMs: number;
  readonly commandTimeoutMs: number;
}

/**
 * A Redis client that never makes a request wait on a dead Redis: commands fail after
 * `commandTimeoutMs`, nothing queues while disconnected (callers fall back to memory at
 * once), and the client keeps reconnecting in the background so service resumes by itself.
 */
export function createRedisClient(options: RedisOptions, logger: Logger): Redis {
  // ioredis is loaded by the first instance that has a REDIS_URL, not by every process.
  const { Redis } = require("ioredis") as typeof import("ioredis");
  const client = new Redis(options.url, {
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs,
    commandTimeout: options.commandTimeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(100 * 2 ** Math.min(attempt, 5), 2000),
  });
  let downSince: number | undefined;
  // One warning per incident, not one per failed command; its duration when it ends.
  client.on("error", (error: Error) => {
    if (downSince === undefined) {
      logger.warn({ err: { message: error.message } }, "redis unavailable; using in-process fallbacks");
      downSince = Date.now();
    }
  });
  client.on("ready", () => {
    if (downSince !== undefined) logger.info({ durationMs: Date.now() - downSince }, "redis reachable again");
    downSince = undefined;
  });
  return client;
}

/** Connects within the timeout; on failure logs a warning and returns, leaving the client reconnecting. */
export async function connectRedis(client: Redis, timeoutMs: number, logger: Logger): Promise<boolean> {
  try {
    await withTimeout(client.connect(), timeoutMs, "redis");
    return true;
  } catch (error) {
    logger.warn({ err: { message: (error as Error).message } }, "redis not reachable at startup; starting degraded");
    return false;
  }
}

/** Redis is optional: when it is down the instance is degraded, not unready. */
export function redisReadinessCheck(client: Redis): ReadinessCheck {
  return {
    name: "redis",
    required: false,
    async check() {
      if (client.status !== "ready") throw new Error(`redis ${client.status}`);
      await client.ping();
    },
  };
}

/** Closes politely within a bound, then forcibly. */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === "end") return;
  await Promise.race([client.quit().catch(() => {}), new Promise((r) => setTimeout(r, 500))]);
  client.disconnect();
}
