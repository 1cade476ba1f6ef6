import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Registry } from "prom-client";
import { createCache } from "../../../src/platform/cache/cache.ts";
import type { CacheOptions } from "../../../src/platform/cache/contract.ts";
import { createLogger } from "../../../src/platform/logging/logger.ts";
import { counterValue, testCacheOptions } from "../../helpers/cache.ts";
import { LogCapture } from "../../helpers/log-capture.ts";

async function memoryCache(overrides: Partial<CacheOptions> = {}) {
  const metrics = new Registry();
  const logger = createLogger({ LOG_LEVEL: "info", LOG_FORMAT: "json" }, new LogCapture());
  const cache = await createCache(testCacheOptions(overrides), { redis: undefined, logger, metrics });
  return { cache, metrics };
}

interface Membership {
  role: string;
}

describe("cache without Redis (in-process layer)", () => {
  it("100 concurrent getOrLoad of one key run the loader once and all get its value", async () => {
    const { cache } = await memoryCache();
    const members = cache.namespace<Membership>({ name: "membership", version: 1 });
    let calls = 0;
    const loader = async () => {
      calls++;
      await sleep(20);
      return { role: "admin" };
    };
    const results = await Promise.all(Array.from({ length: 100 }, () => members.getOrLoad("c1:u1", 60, loader)));
    assert.equal(calls, 1);
    assert.ok(results.every((r) => r.role === "admin"));
    // Later calls are hits, still no second load.
    assert.deepEqual(await members.getOrLoad("c1:u1", 60, loader), { role: "admin" });
    assert.equal(calls, 1);
  });

  it("getOrLoadMany: hits need no load, the misses load in one call, null is cached and a key left out is not", async () => {
    const { cache, metrics } = await memoryCache();
    const users = cache.namespace<{ name: string } | null>({ name: "user", version: 1 });
    const asked: string[][] = [];
    const rows = new Map([
      ["u1", { name: "Ada" }],
      ["u2", { name: "Grace" }],
    ]);
    const loader = async (missing: readonly string[]) => {
      asked.push([...missing]);
      // u3 does not exist (null: cached); u4 is left out (not cached: asked again next time).
      return new Map<string, { name: string } | null>(
        missing.filter((id) => id !== "u4").map((id) => [id, rows.get(id) ?? null]),
      );
    };
    await users.getOrLoad("u1", 60, async () => ({ name: "Ada" }));
    const first = await users.getOrLoadMany(["u1", "u2", "u3", "u4", "u2"], 60, loader);
    assert.deepEqual(asked, [["u2", "u3", "u4"]], "one load, for the misses only, each once");
    assert.deepEqual(Object.fromEntries(first), { u1: { name: "Ada" }, u2: { name: "Grace" }, u3: null });
    rows.set("u2", { name: "changed in the database" });
    const second = await users.getOrLoadMany(["u1", "u2", "u3", "u4"], 60, loader);
    assert.deepEqual(asked, [["u2", "u3", "u4"], ["u4"]]);
    assert.deepEqual(second.get("u2"), { name: "Grace" }, "a hit until evicted");
    await users.delete("u2");
    assert.deepEqual((await users.getOrLoadMany(["u2"], 60, loader)).get("u2"), { name: "changed in the database" });
    assert.equal(await counterValue(metrics, "rampart_cache_misses_total", { namespace: "user" }), 6);
  });

  it("a failing loader fails every waiter and caches nothing", async () => {
    const { cache } = await memoryCache();
    const members = cache.namespace<Membership>({ name: "membership", version: 1 });
    let calls = 0;
    const failing = async (): Promise<Membership> => {
      calls++;
      await sleep(5);
      throw new Error("database down");
    };
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => members.getOrLoad("k", 60, failing)));
    assert.ok(results.every((r) => r.status === "rejected"));
    assert.equal(calls, 1);
    assert.deepEqual(await members.getOrLoad("k", 60, async () => ({ role: "viewer" })), { role: "viewer" });
  });

  it("values are JSON: a hit returns the same shape as the load, and callers cannot corrupt the cache", async () => {
    const { cache } = await memoryCache();
    const users = cache.namespace<{ id: string; since: Date | string; tags: string[] }>({ name: "user", version: 1 });
    const first = await users.getOrLoad("u1", 60, async () => ({ id: "u1", since: new Date(0), tags: ["a"] }));
    assert.equal(first.since, "1970-01-01T00:00:00.000Z", "the miss returns the JSON round trip too");
    first.tags.push("mutated");
    assert.deepEqual(await users.get("u1"), { id: "u1", since: "1970-01-01T00:00:00.000Z", tags: ["a"] });
  });

  it("null is cached (known absence); undefined is returned but not cached", async () => {
    const { cache } = await memoryCache();
    const keys = cache.namespace<{ id: string } | null>({ name: "api-key", version: 1 });
    let calls = 0;
    const counted =
      <T>(value: T) =>
      async () => {
        calls++;
        return value;
      };
    assert.equal(await keys.getOrLoad("rk_missing", 60, counted(null)), null);
    assert.equal(await keys.getOrLoad("rk_missing", 60, counted(null)), null);
    assert.equal(calls, 1);
    const loose = cache.namespace<string | undefined>({ name: "status", version: 1 });
    await loose.getOrLoad("u1", 60, counted(undefined));
    await loose.getOrLoad("u1", 60, counted(undefined));
    assert.equal(calls, 3);
  });

  it("get / set / delete / deleteByPrefix", async () => {
    const { cache } = await memoryCache();
    const members = cache.namespace<Membership>({ name: "membership", version: 1 });
    assert.equal(await members.get("c1:u1"), undefined);
    await members.set("c1:u1", { role: "owner" }, 60);
    await members.set("c1:u2", { role: "viewer" }, 60);
    await members.set("c10:u1", { role: "viewer" }, 60);
    assert.deepEqual(await members.get("c1:u1"), { role: "owner" });
    await members.delete("c1:u1");
    assert.equal(await members.get("c1:u1"), undefined);
    await members.deleteByPrefix("c1:");
    assert.equal(await members.get("c1:u2"), undefined);
    assert.deepEqual(await members.get("c10:u1"), { role: "viewer" }, "c10 does not start with c1:");
  });

  it("namespaces do not see each other's keys", async () => {
    const { cache } = await memoryCache();
    await cache.namespace<string>({ name: "user", version: 1 }).set("x", "user x", 60);
    assert.equal(await cache.namespace<string>({ name: "api-key", version: 1 }).get("x"), undefined);
    await cache.namespace<string>({ name: "api-key", version: 1 }).deleteByPrefix("");
    assert.equal(await cache.namespace<string>({ name: "user", version: 1 }).get("x"), "user x");
  });

  it("rejects malformed namespaces and one name used with two versions", async () => {
    const { cache } = await memoryCache();
    assert.throws(() => cache.namespace({ name: "Has:Colon", version: 1 }), /namespace name/);
    assert.throws(() => cache.namespace({ name: "user", version: 0 }), /positive integer/);
    cache.namespace({ name: "user", version: 1 });
    assert.throws(() => cache.namespace({ name: "user", version: 2 }), /two versions/);
  });

  it("an entry expires after its TTL (and after CACHE_LOCAL_TTL_MS at the latest)", async () => {
    const { cache } = await memoryCache({ localTtlMs: 400 });
    const status = cache.namespace<string>({ name: "status", version: 1 });
    await status.set("short", "active", 0.05);
    await status.set("long", "active", 3600);
    assert.equal(await status.get("short"), "active");
    await sleep(100);
    assert.equal(await status.get("short"), undefined, "its own TTL (50 ms)");
    assert.equal(await status.get("long"), "active");
    await sleep(350);
    assert.equal(await status.get("long"), undefined, "bounded by the local TTL (400 ms)");
  });

  it("holds at most CACHE_LOCAL_MAX_ENTRIES, dropping the least recently used", async () => {
    const { cache } = await memoryCache({ localMaxEntries: 3 });
    const status = cache.namespace<number>({ name: "status", version: 1 });
    for (const n of [1, 2, 3]) await status.set(`u${n}`, n, 60);
    await status.get("u1");
    await status.set("u4", 4, 60);
    assert.equal(await status.get("u2"), undefined);
    assert.deepEqual([await status.get("u1"), await status.get("u3"), await status.get("u4")], [1, 3, 4]);
  });

  it("a load that overlapped an invalidation is returned but not cached", async () => {
    const { cache } = await memoryCache();
    const members = cache.namespace<Membership>({ name: "membership", version: 1 });
    let release: () => void = () => {};
    const slowStale = members.getOrLoad("c1:u1", 60, async () => {
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      return { role: "admin" };
    });
    await sleep(5);
    // The role changes while the stale read is in flight; a caller after the change starts a fresh load.
    await members.delete("c1:u1");
    assert.deepEqual(await members.getOrLoad("c1:u1", 60, async () => ({ role: "viewer" })), { role: "viewer" });
    // The stale read finishes last: its caller gets what it read, the cache keeps the fresh value.
    release();
    assert.deepEqual(await slowStale, { role: "admin" });
    assert.deepEqual(await members.get("c1:u1"), { role: "viewer" });
  });

  it("CACHE_ENABLED=false: the loader runs every time and nothing is stored", async () => {
    const { cache, metrics } = await memoryCache({ enabled: false });
    const members = cache.namespace<Membership>({ name: "membership", version: 1 });
    let calls = 0;
    const loader = async () => {
      calls++;
      return { role: "owner" };
    };
    for (let i = 0; i < 3; i++) await members.getOrLoad("k", 60, loader);
    await members.set("k", { role: "owner" }, 60);
    assert.equal(calls, 3);
    assert.equal(await members.get("k"), undefined);
    assert.equal(await counterValue(metrics, "rampart_cache_hits_total"), 0);
  });

  it("counts hits by layer and misses per namespace", async () => {
    const { cache, metrics } = await memoryCache();
    const members = cache.namespace<Membership>({ name: "membership", version: 1 });
    await members.getOrLoad("k", 60, async () => ({ role: "owner" }));
    await members.getOrLoad("k", 60, async () => ({ role: "owner" }));
    await members.get("k");
    await members.get("absent");
    assert.equal(
      await counterValue(metrics, "rampart_cache_hits_total", { layer: "local", namespace: "membership" }),
      2,
    );
    assert.equal(await counterValue(metrics, "rampart_cache_misses_total", { namespace: "membership" }), 2);
    assert.equal(await counterValue(metrics, "rampart_cache_errors_total"), 0);
    assert.match(await metrics.metrics(), /rampart_cache_hits_total\{namespace="membership",layer="local"\} 2/);
  });
});
