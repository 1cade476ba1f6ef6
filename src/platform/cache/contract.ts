import type { Redis } from "ioredis";
import type { Registry } from "prom-client";
import type { Config } from "../../config/settings/index.ts";
import type { Logger } from "../logging/logger.ts";
import type { NamespaceSpec } from "./keys.ts";

/* The cache's contract — what modules and app wiring use — apart from its implementation in cache.ts. */

/**
 * One kind of cached value (e.g. memberships), with its own key space and shape version.
 * Values are JSON: what a lookup returns is always the JSON round trip of what the loader
 * returned (a Date comes back as a string, cache hit or not); treat it as read-only.
 * A loader result of `undefined` is returned but not cached; return `null` to cache absence.
 */
export interface CacheNamespace<T> {
  get(key: string): Promise<T | undefined>;
  /**
   * Stores the value here and in Redis, and evicts other instances' local copies. After a
   * change prefer `delete`: it also guards against a concurrent load writing the old value back.
   */
  set(key: string, value: T, ttlSeconds: number): Promise<void>;
  /** Forgets the key here, in Redis and (via pub/sub) in every other instance's local layer. */
  delete(key: string): Promise<void>;
  /** Same as delete, for every key of this namespace starting with `prefix`. */
  deleteByPrefix(prefix: string): Promise<void>;
  /** The cached value, or the loader's; concurrent calls for one key in this process share one load. */
  getOrLoad(key: string, ttlSeconds: number, loader: () => Promise<T>): Promise<T>;
  /**
   * Several keys at once: local hits, then the rest from Redis in one round trip, then what is
   * still missing from one call of `loader` (which returns a value per key it found; a key it
   * leaves out is absent from the result and not cached — map it to null to cache absence).
   */
  getOrLoadMany(
    keys: readonly string[],
    ttlSeconds: number,
    loader: (missing: readonly string[]) => Promise<ReadonlyMap<string, T>>,
  ): Promise<Map<string, T>>;
}

export interface Cache {
  namespace<T>(spec: NamespaceSpec): CacheNamespace<T>;
  /** Stops the invalidation subscriber and pending timers; the shared Redis client is closed by its owner. */
  close(): Promise<void>;
}

export interface CacheOptions {
  readonly enabled: boolean;
  readonly localMaxEntries: number;
  readonly localTtlMs: number;
  readonly keyPrefix: string;
  /** Bounds SUBSCRIBE and how long creation waits for the invalidation subscription. */
  readonly subscribeTimeoutMs: number;
  /**
   * Every invalidation is repeated once after this delay. It closes the race of a load
   * that read the database before the change but wrote to Redis just after the delete
   * (from another instance, where our in-process check cannot see it).
   */
  readonly repeatInvalidationAfterMs: number;
}

export interface CacheDeps {
  readonly redis: Redis | undefined;
  readonly logger: Logger;
  readonly metrics: Registry;
}

export function cacheOptionsFrom(config: Config): CacheOptions {
  return {
    enabled: config.CACHE_ENABLED,
    localMaxEntries: config.CACHE_LOCAL_MAX_ENTRIES,
    localTtlMs: config.CACHE_LOCAL_TTL_MS,
    keyPrefix: config.CACHE_KEY_PREFIX,
    subscribeTimeoutMs: config.REDIS_CONNECT_TIMEOUT_MS,
    repeatInvalidationAfterMs: 1000,
  };
}

/**
 * A module's namespace, made once per cache (each app has its own) and then reused:
 * `const sessions = namespaceOf<Session | null>({ name: "session", version: 1 })`, then
 * `sessions(deps.cache).getOrLoad(…)` on the hot path without re-creating it per request.
 */
export function namespaceOf<T>(spec: NamespaceSpec): (cache: Cache) => CacheNamespace<T> {
  const byCache = new WeakMap<Cache, CacheNamespace<T>>();
  return (cache) => {
    let namespace = byCache.get(cache);
    if (!namespace) {
      namespace = cache.namespace<T>(spec);
      byCache.set(cache, namespace);
    }
    return namespace;
  };
}
