import { randomUUID } from "node:crypto";
import { LRUCache } from "lru-cache";
import type { Cache, CacheDeps, CacheNamespace, CacheOptions } from "./contract.ts";
import {
  encodeInvalidation,
  type Invalidation,
  type InvalidationSubscriber,
  subscribeToInvalidations,
} from "./invalidation-channel.ts";
import { assertNamespaceSpec, invalidationChannel, type NamespaceSpec, namespaceKeyPrefix } from "./keys.ts";
import { createCacheMetrics } from "./metrics.ts";
import { createRedisStore, type RedisStore } from "./redis-store.ts";

/** Invalidations Redis could not take while it was down, replayed when it answers again. */
const MAX_PENDING_INVALIDATIONS = 1000;

/**
 * The two-layer cache: a bounded in-process LRU always (entries live at most
 * `localTtlMs`, the staleness bound when an invalidation is missed), and Redis when
 * configured, shared by every instance. Redis failing is a miss, never an error.
 */
export async function createCache(options: CacheOptions, deps: CacheDeps): Promise<Cache> {
  const metrics = createCacheMetrics(deps.metrics);
  const instanceId = randomUUID();
  const channel = invalidationChannel(options.keyPrefix);
  const local = new LRUCache<string, string>({ max: options.localMaxEntries, ttl: options.localTtlMs });
  const inflight = new Map<string, Promise<unknown>>();
  /** The version this process uses for each namespace name, to map messages from other versions onto ours. */
  const versions = new Map<string, number>();
  const repeatTimers = new Set<NodeJS.Timeout>();
  /** Keyed by the invalidation itself, so repeating one while Redis is down remembers it once. */
  let pending = new Map<string, Invalidation>();
  let pendingOverflowed = false;
  /** Bumped by every invalidation seen here: a load that overlapped one does not store its (possibly stale) result. */
  let invalidationSeq = 0;

  const store: RedisStore | undefined =
    deps.redis && options.enabled
      ? createRedisStore(deps.redis, metrics, deps.logger, () => void replayPending())
      : undefined;

  function fullKey(spec: NamespaceSpec, key: string): string {
    return namespaceKeyPrefix(options.keyPrefix, spec) + key;
  }

  function evictLocal(invalidation: Invalidation): void {
    invalidationSeq++;
    // Callers arriving after an invalidation must not join a load that started before it.
    inflight.clear();
    const target = fullKey({ name: invalidation.namespace, version: invalidation.version }, invalidation.key);
    if (!invalidation.byPrefix) {
      local.delete(target);
      return;
    }
    for (const key of [...local.keys()]) if (key.startsWith(target)) local.delete(key);
  }

  function clearLocal(): void {
    invalidationSeq++;
    inflight.clear();
    local.clear();
  }

  async function invalidateInRedis(invalidation: Invalidation, announce: boolean): Promise<boolean> {
    if (!store) return true;
    const target = fullKey({ name: invalidation.namespace, version: invalidation.version }, invalidation.key);
    const message = announce ? encodeInvalidation(instanceId, invalidation) : undefined;
    if (!invalidation.byPrefix) return store.deleteAndPublish(target, channel, message);
    const deleted = await store.deletePrefix(target);
    const published = message === undefined || (await store.publish(channel, message));
    return deleted && published;
  }

  function remember(invalidation: Invalidation): void {
    if (pending.size < MAX_PENDING_INVALIDATIONS) {
      pending.set(JSON.stringify(invalidation), invalidation);
      return;
    }
    if (!pendingOverflowed) {
      deps.logger.error(
        { limit: MAX_PENDING_INVALIDATIONS },
        "cache: too many invalidations while redis was down; some redis entries may stay stale until their TTL",
      );
    }
    pendingOverflowed = true;
  }

  async function replayPending(): Promise<void> {
    const replay = pending;
    pending = new Map();
    pendingOverflowed = false;
    for (const invalidation of replay.values()) {
      if (!(await invalidateInRedis(invalidation, true))) remember(invalidation);
    }
  }

  async function invalidate(invalidation: Invalidation, repeat: boolean): Promise<void> {
    evictLocal(invalidation);
    if (!store) return;
    if (!(await invalidateInRedis(invalidation, true))) remember(invalidation);
    if (!repeat) return;
    const timer = setTimeout(() => {
      repeatTimers.delete(timer);
      void invalidate(invalidation, false);
    }, options.repeatInvalidationAfterMs);
    timer.unref();
    repeatTimers.add(timer);
  }

  function onRemoteInvalidation(from: string, invalidation: Invalidation): void {
    if (from === instanceId) return;
    const ours = versions.get(invalidation.namespace);
    if (ours === undefined) return;
    const translated = { ...invalidation, version: ours };
    evictLocal(translated);
    // During a rolling deploy the sender deleted only its own version's Redis entry; delete ours too.
    if (ours !== invalidation.version) void invalidateInRedis(translated, false);
  }

  // A reconnect is a recovery too, even before any cache command has run on the new connection.
  const replayOnReconnect = () => void replayPending();
  if (store) deps.redis?.on("ready", replayOnReconnect);

  let subscriber: InvalidationSubscriber | undefined;
  if (deps.redis && options.enabled) {
    subscriber = await subscribeToInvalidations(deps.redis, {
      channel,
      timeoutMs: options.subscribeTimeoutMs,
      logger: deps.logger,
      onInvalidation: onRemoteInvalidation,
      onSubscribed: clearLocal,
    });
  }

  function localTtl(ttlSeconds: number): number {
    return Math.max(1, Math.min(options.localTtlMs, Math.round(ttlSeconds * 1000)));
  }

  function namespace<T>(spec: NamespaceSpec): CacheNamespace<T> {
    assertNamespaceSpec(spec);
    const known = versions.get(spec.name);
    if (known !== undefined && known !== spec.version) {
      throw new Error(`cache namespace ${spec.name} is used with two versions (v${known}, v${spec.version})`);
    }
    versions.set(spec.name, spec.version);
    const labels = { namespace: spec.name };
    const invalidation = (key: string, byPrefix: boolean): Invalidation => ({
      namespace: spec.name,
      version: spec.version,
      key,
      byPrefix,
    });

    /** The stored JSON from the local layer, else from Redis (copied into the local layer); counts the hit. */
    async function readThrough(full: string, ttlSeconds: number): Promise<string | undefined> {
      const cached = local.get(full);
      if (cached !== undefined) {
        metrics.hits.inc({ ...labels, layer: "local" });
        return cached;
      }
      const seq = invalidationSeq;
      const remote = await store?.get(full);
      if (remote === undefined) return undefined;
      metrics.hits.inc({ ...labels, layer: "redis" });
      if (seq === invalidationSeq) local.set(full, remote, { ttl: localTtl(ttlSeconds) });
      return remote;
    }

    async function load(full: string, ttlSeconds: number, loader: () => Promise<T>): Promise<T> {
      const seq = invalidationSeq;
      const cached = await readThrough(full, ttlSeconds);
      if (cached !== undefined) return JSON.parse(cached) as T;
      metrics.misses.inc(labels);
      const value = await loader();
      if (value === undefined) return value;
      const json = JSON.stringify(value);
      // An invalidation during the load may concern what the loader read: return it, keep it out of the cache.
      if (seq === invalidationSeq) {
        local.set(full, json, { ttl: localTtl(ttlSeconds) });
        // Not awaited: the caller has its value; the shared copy is a side effect bounded by the command timeout.
        void store?.set(full, json, ttlSeconds * 1000);
      }
      return JSON.parse(json) as T;
    }

    return {
      async get(key) {
        if (!options.enabled) return undefined;
        // Without a TTL of its own, an entry copied from Redis lives the local maximum.
        const cached = await readThrough(fullKey(spec, key), options.localTtlMs / 1000);
        if (cached !== undefined) return JSON.parse(cached) as T;
        metrics.misses.inc(labels);
        return undefined;
      },
      async set(key, value, ttlSeconds) {
        if (!options.enabled || value === undefined) return;
        const full = fullKey(spec, key);
        const json = JSON.stringify(value);
        const change = invalidation(key, false);
        // A write is a change: loads in flight here may hold the old value, other instances' local copies do.
        evictLocal(change);
        local.set(full, json, { ttl: localTtl(ttlSeconds) });
        if (!store) return;
        const written = await store.setAndPublish(
          full,
          json,
          ttlSeconds * 1000,
          channel,
          encodeInvalidation(instanceId, change),
        );
        if (!written) remember(change);
      },
      async delete(key) {
        if (options.enabled) await invalidate(invalidation(key, false), true);
      },
      async deleteByPrefix(prefix) {
        if (options.enabled) await invalidate(invalidation(prefix, true), true);
      },
      async getOrLoadMany(keys, ttlSeconds, loader) {
        const found = new Map<string, T>();
        if (!options.enabled) {
          for (const [key, value] of await loader(keys)) found.set(key, JSON.parse(JSON.stringify(value)) as T);
          return found;
        }
        const seq = invalidationSeq;
        let missing: string[] = [];
        for (const key of new Set(keys)) {
          const cached = local.get(fullKey(spec, key));
          if (cached === undefined) missing.push(key);
          else {
            metrics.hits.inc({ ...labels, layer: "local" });
            found.set(key, JSON.parse(cached) as T);
          }
        }
        if (missing.length > 0 && store) {
          const remote = await store.getMany(missing.map((key) => fullKey(spec, key)));
          const stillMissing: string[] = [];
          for (const [i, key] of missing.entries()) {
            const json = remote[i];
            if (json === undefined) {
              stillMissing.push(key);
              continue;
            }
            metrics.hits.inc({ ...labels, layer: "redis" });
            if (seq === invalidationSeq) local.set(fullKey(spec, key), json, { ttl: localTtl(ttlSeconds) });
            found.set(key, JSON.parse(json) as T);
          }
          missing = stillMissing;
        }
        if (missing.length === 0) return found;
        metrics.misses.inc(labels, missing.length);
        const loaded = await loader(missing);
        for (const key of missing) {
          const value = loaded.get(key);
          if (value === undefined) continue;
          const json = JSON.stringify(value);
          // As in load(): a load that overlapped an invalidation is returned, not cached.
          if (seq === invalidationSeq) {
            local.set(fullKey(spec, key), json, { ttl: localTtl(ttlSeconds) });
            void store?.set(fullKey(spec, key), json, ttlSeconds * 1000);
          }
          found.set(key, JSON.parse(json) as T);
        }
        return found;
      },
      async getOrLoad(key, ttlSeconds, loader) {
        if (!options.enabled) {
          const value = await loader();
          return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
        }
        const full = fullKey(spec, key);
        const cached = local.get(full);
        if (cached !== undefined) {
          metrics.hits.inc({ ...labels, layer: "local" });
          return JSON.parse(cached) as T;
        }
        const running = inflight.get(full);
        if (running) return running as Promise<T>;
        const loading = load(full, ttlSeconds, loader);
        inflight.set(full, loading);
        try {
          return await loading;
        } finally {
          if (inflight.get(full) === loading) inflight.delete(full);
        }
      },
    };
  }

  return {
    namespace,
    async close() {
      for (const timer of repeatTimers) clearTimeout(timer);
      repeatTimers.clear();
      deps.redis?.off("ready", replayOnReconnect);
      await subscriber?.close();
    },
  };
}
