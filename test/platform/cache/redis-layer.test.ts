import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { Registry } from "prom-client";
import { createCache } from "../../../src/platform/cache/cache.ts";
import type { Cache, CacheOptions } from "../../../src/platform/cache/contract.ts";
import { createLogger } from "../../../src/platform/logging/logger.ts";
import { closeRedis, connectRedis, createRedisClient } from "../../../src/platform/redis/connect.ts";
import { counterValue, testCacheOptions } from "../../helpers/cache.ts";
import { LogCapture } from "../../helpers/log-capture.ts";
import { redis } from "../../helpers/services.ts";
import { startTcpProxy } from "../../helpers/tcp-proxy.ts";

const service = await redis();

interface Instance {
  readonly cache: Cache;
  readonly client: Redis;
  readonly metrics: Registry;
  readonly logs: LogCapture;
  close(): Promise<void>;
}

/**
 * One "instance" of Rampart as far as the cache is concerned: its own Redis connection,
 * metrics and logs. Commands time out after 50 ms in production; tests that are not about
 * timeouts allow 1 s, so a loaded CI machine cannot turn a slow reply into a false failure.
 */
async function instance(url: string, options: CacheOptions, commandTimeoutMs = 1000): Promise<Instance> {
  const logs = new LogCapture();
  const logger = createLogger({ LOG_LEVEL: "info", LOG_FORMAT: "json" }, logs);
  const metrics = new Registry();
  const client = createRedisClient({ url, connectTimeoutMs: 1000, commandTimeoutMs }, logger);
  await connectRedis(client, 1000, logger);
  const cache = await createCache(options, { redis: client, logger, metrics });
  return {
    cache,
    client,
    metrics,
    logs,
    async close() {
      await cache.close();
      await closeRedis(client);
    },
  };
}

/** Resolves once `probe` returns true, or fails after `withinMs`; returns the time it took. */
async function eventually(probe: () => Promise<boolean>, withinMs: number): Promise<number> {
  const started = Date.now();
  while (!(await probe())) {
    if (Date.now() - started > withinMs) assert.fail(`not within ${withinMs} ms`);
    await sleep(10);
  }
  return Date.now() - started;
}

const warnings = (logs: LogCapture) => logs.lines().filter((l) => l.msg.startsWith("cache: redis unavailable"));
const recoveries = (logs: LogCapture) => logs.lines().filter((l) => l.msg.startsWith("cache: redis answering again"));

describe("cache with Redis", { skip: service.skip }, () => {
  const url = String(service.url);
  const admin = service.skip ? undefined : new Redis(url);
  const prefixes: string[] = [];
  const open: Instance[] = [];

  async function pair(
    overrides: Partial<CacheOptions> = {},
    commandTimeoutMs?: number,
  ): Promise<[Instance, Instance, CacheOptions]> {
    const options = testCacheOptions(overrides);
    prefixes.push(options.keyPrefix);
    const a = await instance(url, options, commandTimeoutMs);
    const b = await instance(url, options, commandTimeoutMs);
    open.push(a, b);
    return [a, b, options];
  }

  const keysUnder = async (prefix: string) => ((await admin?.keys(`${prefix}:*`)) ?? []).sort();

  after(async () => {
    for (const i of open) await i.close();
    for (const prefix of prefixes) {
      const keys = await keysUnder(prefix);
      if (keys.length > 0) await admin?.del(...keys);
    }
    await admin?.quit();
  });

  it("an entry stored by one instance is read by another from Redis, under the namespaced, versioned key", async () => {
    const [a, b, { keyPrefix }] = await pair();
    await a.cache.namespace<{ role: string }>({ name: "membership", version: 1 }).set("c1:u1", { role: "owner" }, 60);
    assert.equal(await admin?.get(`${keyPrefix}:membership:v1:c1:u1`), '{"role":"owner"}');
    let loads = 0;
    const value = await b.cache
      .namespace<{ role: string }>({ name: "membership", version: 1 })
      .getOrLoad("c1:u1", 60, async () => {
        loads++;
        return { role: "never" };
      });
    assert.deepEqual(value, { role: "owner" });
    assert.equal(loads, 0);
    assert.equal(await counterValue(b.metrics, "rampart_cache_hits_total", { layer: "redis" }), 1);
  });

  it("getOrLoadMany reads what another instance stored from Redis, and loads only the rest", async () => {
    const [a, b] = await pair();
    const spec = { name: "user", version: 1 };
    await a.cache.namespace<{ name: string }>(spec).getOrLoadMany(["u1", "u2"], 60, async (missing) => {
      return new Map(missing.map((id) => [id, { name: `name of ${id}` }]));
    });
    await eventually(async () => {
      const values = await b.cache
        .namespace<{ name: string }>(spec)
        .getOrLoadMany(["u1", "u2"], 60, async () => new Map());
      return values.size === 2;
    }, 1000);
    const asked: string[][] = [];
    const values = await b.cache
      .namespace<{ name: string }>(spec)
      .getOrLoadMany(["u1", "u2", "u3"], 60, async (missing) => {
        asked.push([...missing]);
        return new Map(missing.map((id) => [id, { name: `loaded ${id}` }]));
      });
    assert.deepEqual(asked, [["u3"]]);
    assert.deepEqual(Object.fromEntries(values), {
      u1: { name: "name of u1" },
      u2: { name: "name of u2" },
      u3: { name: "loaded u3" },
    });
  });

  it("a deploy with a new value shape (version) never reads the old entries", async () => {
    const [a, b, { keyPrefix }] = await pair();
    await a.cache.namespace<{ role: string }>({ name: "membership", version: 1 }).set("c1:u1", { role: "owner" }, 60);
    const v2 = b.cache.namespace<{ roles: string[] }>({ name: "membership", version: 2 });
    const value = await v2.getOrLoad("c1:u1", 60, async () => ({ roles: ["owner", "billing"] }));
    assert.deepEqual(value, { roles: ["owner", "billing"] });
    await eventually(async () => (await admin?.exists(`${keyPrefix}:membership:v2:c1:u1`)) === 1, 1000);
    assert.equal(await admin?.get(`${keyPrefix}:membership:v1:c1:u1`), '{"role":"owner"}');
  });

  it("100 concurrent getOrLoad on one instance: one loader call, stored once in Redis", async () => {
    const [a, , { keyPrefix }] = await pair();
    const status = a.cache.namespace<string>({ name: "user-status", version: 1 });
    let loads = 0;
    const loader = async () => {
      loads++;
      await sleep(20);
      return "active";
    };
    const results = await Promise.all(Array.from({ length: 100 }, () => status.getOrLoad("u1", 60, loader)));
    assert.equal(loads, 1);
    assert.ok(results.every((r) => r === "active"));
    await eventually(async () => (await admin?.get(`${keyPrefix}:user-status:v1:u1`)) === '"active"', 1000);
  });

  it("a Redis entry expires after its TTL", async () => {
    const [a, b, { keyPrefix }] = await pair();
    await a.cache.namespace<string>({ name: "user-status", version: 1 }).set("u1", "active", 0.2);
    const ttl = Number(await admin?.pttl(`${keyPrefix}:user-status:v1:u1`));
    assert.ok(ttl > 0 && ttl <= 200, `PTTL ${ttl}`);
    await sleep(300);
    assert.equal(await b.cache.namespace<string>({ name: "user-status", version: 1 }).get("u1"), undefined);
  });

  it("deleteByPrefix removes exactly the matching keys from Redis (SCAN, glob characters literal)", async () => {
    const [a, , { keyPrefix }] = await pair();
    const members = a.cache.namespace<string>({ name: "membership", version: 1 });
    for (const key of ["c1:u1", "c1:u2", "c10:u1", "c1*x"]) await members.set(key, "viewer", 60);
    await members.deleteByPrefix("c1*");
    assert.deepEqual(
      await keysUnder(keyPrefix),
      [
        `${keyPrefix}:membership:v1:c1:u1`,
        `${keyPrefix}:membership:v1:c1:u2`,
        `${keyPrefix}:membership:v1:c10:u1`,
      ].sort(),
    );
    await members.deleteByPrefix("c1:");
    assert.deepEqual(await keysUnder(keyPrefix), [`${keyPrefix}:membership:v1:c10:u1`]);
  });

  it("a delete on one instance evicts the other instance's local copy within 1 s", async () => {
    // Local entries would otherwise live 30 s: only the invalidation message can explain a fresh answer.
    const [a, b] = await pair({ localTtlMs: 30_000 });
    const onA = a.cache.namespace<{ role: string }>({ name: "membership", version: 1 });
    const onB = b.cache.namespace<{ role: string }>({ name: "membership", version: 1 });
    let role = "admin";
    const loader = async () => ({ role });
    assert.deepEqual(await onB.getOrLoad("c1:u1", 60, loader), { role: "admin" });
    assert.deepEqual(await onA.getOrLoad("c1:u1", 60, loader), { role: "admin" });
    role = "viewer"; // the role change is committed, then invalidated
    await onA.delete("c1:u1");
    const took = await eventually(async () => (await onB.getOrLoad("c1:u1", 60, loader)).role === "viewer", 1000);
    assert.ok(took < 1000);
  });

  it("a set on one instance (write-through after a change) replaces the other instance's local copy within 1 s", async () => {
    const [a, b] = await pair({ localTtlMs: 30_000 });
    const onA = a.cache.namespace<string>({ name: "user-status", version: 1 });
    const onB = b.cache.namespace<string>({ name: "user-status", version: 1 });
    assert.equal(await onB.getOrLoad("u1", 60, async () => "active"), "active");
    await onA.set("u1", "suspended", 60);
    await eventually(async () => (await onB.get("u1")) === "suspended", 1000);
  });

  it("a deleteByPrefix (e.g. a suspended user's memberships) reaches the other instance within 1 s", async () => {
    const [a, b] = await pair({ localTtlMs: 30_000 });
    const onA = a.cache.namespace<string>({ name: "user-status", version: 1 });
    const onB = b.cache.namespace<string>({ name: "user-status", version: 1 });
    let status = "active";
    const loader = async () => status;
    for (const key of ["u1:c1", "u1:c2"]) assert.equal(await onB.getOrLoad(key, 60, loader), "active");
    status = "suspended";
    await onA.deleteByPrefix("u1:");
    await eventually(async () => {
      const seen = await Promise.all(["u1:c1", "u1:c2"].map((k) => onB.getOrLoad(k, 60, loader)));
      return seen.every((s) => s === "suspended");
    }, 1000);
  });

  it("during a rolling deploy an invalidation from the old version also evicts the new version's entries", async () => {
    const [a, b, { keyPrefix }] = await pair({ localTtlMs: 30_000 });
    const v1 = a.cache.namespace<string>({ name: "membership", version: 1 });
    const v2 = b.cache.namespace<string>({ name: "membership", version: 2 });
    let role = "admin";
    assert.equal(await v2.getOrLoad("c1:u1", 60, async () => role), "admin");
    await eventually(async () => (await admin?.exists(`${keyPrefix}:membership:v2:c1:u1`)) === 1, 1000);
    role = "viewer";
    await v1.delete("c1:u1");
    await eventually(async () => (await v2.getOrLoad("c1:u1", 60, async () => role)) === "viewer", 1000);
    assert.equal(await admin?.get(`${keyPrefix}:membership:v2:c1:u1`), '"viewer"');
  });

  it("repeats an invalidation, removing a stale value another instance wrote just after the first delete", async () => {
    const [a, , { keyPrefix }] = await pair({ repeatInvalidationAfterMs: 200 });
    const members = a.cache.namespace<string>({ name: "membership", version: 1 });
    await members.set("c1:u1", "admin", 60);
    await members.delete("c1:u1");
    // What a slow load on another instance does: read before the change, write after the delete.
    await admin?.set(`${keyPrefix}:membership:v1:c1:u1`, '"admin"', "EX", 60);
    await eventually(async () => (await admin?.exists(`${keyPrefix}:membership:v1:c1:u1`)) === 0, 1000);
    assert.equal(await members.getOrLoad("c1:u1", 60, async () => "viewer"), "viewer");
  });

  it("Redis paused mid-run: operations still answer from the loader and local layer, errors are counted and logged once, then reads go to Redis again", async () => {
    const options = testCacheOptions();
    prefixes.push(options.keyPrefix);
    const a = await instance(url, options);
    // B has the production timeout: the bound on what a paused Redis costs a request.
    const b = await instance(url, options, 50);
    open.push(a, b);
    const onA = a.cache.namespace<string>({ name: "user-status", version: 1 });
    const onB = b.cache.namespace<string>({ name: "user-status", version: 1 });
    await onA.set("stored-before", "active", 60);
    const pauser = new Redis(url);
    await pauser.call("CLIENT", "PAUSE", "500", "ALL");
    try {
      const started = Date.now();
      let loads = 0;
      const loader = async () => {
        loads++;
        return "from-database";
      };
      assert.equal(await onB.getOrLoad("during", 60, loader), "from-database");
      assert.equal(await onB.getOrLoad("during", 60, loader), "from-database", "served by the local layer");
      assert.equal(loads, 1);
      assert.equal(await onB.get("stored-before"), undefined, "a Redis timeout is a miss, not an error");
      await onB.set("written-during", "x", 60);
      await onB.delete("deleted-during");
      assert.ok(Date.now() - started < 450, "each Redis command is bounded by its 50 ms timeout");
      assert.ok((await counterValue(b.metrics, "rampart_cache_errors_total")) >= 3);
      assert.ok((await counterValue(b.metrics, "rampart_cache_hits_total", { layer: "local" })) >= 1);
      assert.equal(warnings(b.logs).length, 1, "one warning for the incident, not one per command");
    } finally {
      await sleep(600);
      await pauser.quit();
    }
    const redisHits = await counterValue(b.metrics, "rampart_cache_hits_total", { layer: "redis" });
    await eventually(async () => (await onB.get("stored-before")) === "active", 2000);
    assert.equal(await counterValue(b.metrics, "rampart_cache_hits_total", { layer: "redis" }), redisHits + 1);
    assert.ok(recoveries(b.logs).length >= 1);
  });

  it("Redis unreachable for one instance (connection dropped): it serves locally, then after reconnecting clears its local layer and replays the invalidations Redis missed", async () => {
    const proxy = await startTcpProxy(url);
    // Neither local expiry nor the repeated invalidation may explain the fresh answers below.
    const options = testCacheOptions({ localTtlMs: 30_000, repeatInvalidationAfterMs: 60_000 });
    prefixes.push(options.keyPrefix);
    const a = await instance(url, options);
    const b = await instance(proxy.url, options);
    open.push(a, b);
    try {
      const onA = a.cache.namespace<string>({ name: "membership", version: 1 });
      const onB = b.cache.namespace<string>({ name: "membership", version: 1 });
      let role = "admin";
      const loader = async () => role;
      assert.equal(await onB.getOrLoad("c1:u1", 60, loader), "admin");
      await onA.set("c1:u2", "admin", 60);
      await onA.set("c1:u3", "admin", 60);

      proxy.down();
      await eventually(async () => b.client.status !== "ready", 1000);
      role = "viewer";
      // A's invalidation cannot reach B: B keeps its local copy (bounded by CACHE_LOCAL_TTL_MS)...
      await onA.delete("c1:u1");
      assert.equal(await onB.getOrLoad("c1:u1", 60, loader), "admin");
      // ...and B's own invalidation cannot reach Redis or A — yet it does not fail.
      await onB.delete("c1:u2");
      await onB.set("c1:u3", "viewer", 60);
      assert.equal(await onA.get("c1:u2"), "admin");
      assert.equal(await onB.get("c1:u3"), "viewer");
      assert.equal(await onB.getOrLoad("other", 60, async () => "loaded"), "loaded");
      assert.ok((await counterValue(b.metrics, "rampart_cache_errors_total")) >= 2);

      proxy.up();
      // Reconnected: B's local layer is cleared (messages were missed) and its pending delete is replayed.
      await eventually(async () => (await onB.getOrLoad("c1:u1", 60, loader)) === "viewer", 5000);
      await eventually(async () => (await onA.getOrLoad("c1:u2", 60, loader)) === "viewer", 2000);
      await eventually(async () => (await onA.getOrLoad("c1:u3", 60, loader)) === "viewer", 2000);
      assert.equal(warnings(b.logs).length, 1);
    } finally {
      await proxy.close();
    }
  });

  it("no Redis listening at all: every operation answers, the loader is the fallback, one warning", async () => {
    const logs = new LogCapture();
    const logger = createLogger({ LOG_LEVEL: "info", LOG_FORMAT: "json" }, logs);
    const metrics = new Registry();
    const client = createRedisClient(
      { url: "redis://127.0.0.1:1", connectTimeoutMs: 300, commandTimeoutMs: 50 },
      logger,
    );
    await connectRedis(client, 300, logger);
    const started = Date.now();
    const cache = await createCache(testCacheOptions(), { redis: client, logger, metrics });
    assert.ok(Date.now() - started < 100, "creation does not wait for a Redis that is down");
    try {
      const status = cache.namespace<string>({ name: "user-status", version: 1 });
      let loads = 0;
      const loader = async () => {
        loads++;
        return "active";
      };
      for (let i = 0; i < 5; i++) assert.equal(await status.getOrLoad("u1", 60, loader), "active");
      assert.equal(loads, 1, "the local layer serves while Redis is down");
      await status.set("u2", "suspended", 60);
      assert.equal(await status.get("u2"), "suspended");
      await status.delete("u2");
      await status.deleteByPrefix("u");
      assert.equal(await status.get("u2"), undefined);
      assert.ok((await counterValue(metrics, "rampart_cache_errors_total")) >= 3);
      assert.equal(warnings(logs).length, 1);
      assert.doesNotMatch(logs.text(), /redis:\/\//, "no connection string in the logs");
    } finally {
      await cache.close();
      await closeRedis(client);
    }
  });
});
