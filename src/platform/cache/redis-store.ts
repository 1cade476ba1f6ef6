import type { ChainableCommander, Redis } from "ioredis";
import type { Logger } from "../logging/logger.ts";
import { scanPatternFor } from "./keys.ts";
import type { CacheMetrics } from "./metrics.ts";

export type RedisCacheOperation = "get" | "set" | "delete" | "publish";

/**
 * The Redis layer of the cache. Every command is bounded by the client's command timeout
 * (REDIS_COMMAND_TIMEOUT_MS) and fails at once while disconnected (no offline queue); a
 * failure is counted, turned into a miss or a `false`, and never thrown to the request.
 * The first failure of an incident logs a warning, the first success after it logs the
 * recovery and calls `onRecovered` (to replay invalidations Redis missed).
 */
export interface RedisStore {
  /** The stored JSON, or undefined when absent or when Redis failed. */
  get(key: string): Promise<string | undefined>;
  /** Several keys in one round trip (MGET): the stored JSON of each, undefined when absent or when Redis failed. */
  getMany(keys: readonly string[]): Promise<(string | undefined)[]>;
  set(key: string, json: string, ttlMs: number): Promise<boolean>;
  /** Writes the key and announces it on `channel` in one MULTI, so no instance sees one without the other. */
  setAndPublish(key: string, json: string, ttlMs: number, channel: string, message: string): Promise<boolean>;
  /** Deletes the key and announces it on `channel` in one MULTI, so no instance sees one without the other. */
  deleteAndPublish(key: string, channel: string, message: string | undefined): Promise<boolean>;
  /** Deletes every key starting with `prefix` (SCAN + UNLINK in batches: never KEYS, never blocking Redis). */
  deletePrefix(prefix: string): Promise<boolean>;
  publish(channel: string, message: string): Promise<boolean>;
}

const SCAN_BATCH = 1000;

/** Runs a MULTI; a failed command inside it fails the whole operation. */
async function execAll(transaction: ChainableCommander): Promise<void> {
  const replies = await transaction.exec();
  const failed = replies?.find(([error]) => error);
  if (!replies || failed) throw failed?.[0] ?? new Error("transaction aborted");
}

export function createRedisStore(
  client: Redis,
  metrics: CacheMetrics,
  logger: Logger,
  onRecovered: () => void,
): RedisStore {
  let failing = false;

  async function guarded<T>(
    operation: RedisCacheOperation,
    run: () => Promise<T>,
  ): Promise<{ ok: true; value: T } | { ok: false }> {
    try {
      const value = await run();
      if (failing) {
        failing = false;
        logger.info("cache: redis answering again; using it as the shared layer");
        onRecovered();
      }
      return { ok: true, value };
    } catch (error) {
      metrics.errors.inc({ operation });
      if (!failing) {
        failing = true;
        // Only the message: an ioredis error can carry the command's arguments (keys), never the URL.
        logger.warn(
          { err: { message: (error as Error).message } },
          "cache: redis unavailable; serving from the in-process layer",
        );
      }
      return { ok: false };
    }
  }

  return {
    async get(key) {
      const result = await guarded("get", () => client.get(key));
      return result.ok ? (result.value ?? undefined) : undefined;
    },
    async getMany(keys) {
      const result = await guarded("get", () => client.mget(...keys));
      return result.ok ? result.value.map((value) => value ?? undefined) : keys.map(() => undefined);
    },
    async set(key, json, ttlMs) {
      return (await guarded("set", () => client.set(key, json, "PX", Math.max(1, Math.round(ttlMs))))).ok;
    },
    async setAndPublish(key, json, ttlMs, channel, message) {
      const transaction = client.multi().set(key, json, "PX", Math.max(1, Math.round(ttlMs)));
      return (await guarded("set", () => execAll(transaction.publish(channel, message)))).ok;
    },
    async deleteAndPublish(key, channel, message) {
      const transaction = client.multi().del(key);
      if (message !== undefined) transaction.publish(channel, message);
      return (await guarded("delete", () => execAll(transaction))).ok;
    },
    async deletePrefix(prefix) {
      const result = await guarded("delete", async () => {
        let cursor = "0";
        do {
          const [next, keys] = await client.scan(cursor, "MATCH", scanPatternFor(prefix), "COUNT", SCAN_BATCH);
          if (keys.length > 0) await client.unlink(...keys);
          cursor = next;
        } while (cursor !== "0");
      });
      return result.ok;
    },
    async publish(channel, message) {
      return (await guarded("publish", () => client.publish(channel, message))).ok;
    },
  };
}
