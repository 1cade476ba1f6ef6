import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Type } from "@sinclair/typebox";
import { Redis } from "ioredis";
import { Registry } from "prom-client";
import type { App } from "../../../src/app.ts";
import { createCache } from "../../../src/platform/cache/cache.ts";
import { ForbiddenError } from "../../../src/platform/errors/app-error.ts";
import { createLogger } from "../../../src/platform/logging/logger.ts";
import { closeRedis, connectRedis, createRedisClient } from "../../../src/platform/redis/connect.ts";
import { buildTestApp, testConfig } from "../../helpers/app.ts";
import { testCacheOptions } from "../../helpers/cache.ts";
import { LogCapture } from "../../helpers/log-capture.ts";
import { redis } from "../../helpers/services.ts";
import { startTcpProxy, type TcpProxy } from "../../helpers/tcp-proxy.ts";

const service = await redis();

/**
 * Two app instances sharing one Redis, each answering a request the way the authorization
 * layer will: look the user's status up through the cache, 403 when suspended. The route
 * is a stand-in defined here until identity/tenancy adopt the cache; the "database" is a
 * Map both instances read, counting the loads.
 */
describe("two app instances with the cache", { skip: service.skip }, () => {
  const database = new Map<string, string>();
  let loads = 0;
  const cleanups: (() => Promise<void>)[] = [];
  const keyPrefix = testCacheOptions().keyPrefix;

  interface Instance {
    readonly app: App;
    /** What the identity module will do: change the row, then invalidate. */
    suspend(userId: string): Promise<void>;
  }

  async function appInstance(redisUrl: string): Promise<Instance> {
    const config = testConfig();
    const logger = createLogger(config, new LogCapture());
    const client = createRedisClient({ url: redisUrl, connectTimeoutMs: 1000, commandTimeoutMs: 1000 }, logger);
    await connectRedis(client, 1000, logger);
    const metrics = new Registry();
    const cache = await createCache(
      testCacheOptions({ keyPrefix, localTtlMs: 30_000, repeatInvalidationAfterMs: 60_000 }),
      {
        redis: client,
        logger,
        metrics,
      },
    );
    const { app } = await buildTestApp({}, { redis: client, cache, metrics, logger });
    const statuses = cache.namespace<string>({ name: "user-status", version: 1 });
    app.get(
      "/stand-in/users/:userId/status",
      { schema: { hide: true, params: Type.Object({ userId: Type.String() }) } },
      async (request) => {
        const { userId } = request.params as { userId: string };
        const status = await statuses.getOrLoad(userId, 60, async () => {
          loads++;
          return database.get(userId) ?? "unknown";
        });
        if (status === "suspended") throw new ForbiddenError("user.suspended", "This user is suspended.");
        return { status };
      },
    );
    cleanups.push(async () => {
      await app.close();
      await cache.close();
      await closeRedis(client);
    });
    return {
      app,
      async suspend(userId) {
        database.set(userId, "suspended");
        await statuses.delete(userId);
      },
    };
  }

  const statusOf = async ({ app }: Instance, userId: string) =>
    (await app.inject({ url: `/stand-in/users/${userId}/status` })).statusCode;

  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    const admin = new Redis(String(service.url));
    const keys = await admin.keys(`${keyPrefix}:*`);
    if (keys.length > 0) await admin.del(...keys);
    await admin.quit();
  });

  it("a user suspended through one instance is rejected on both, within 1 s, though both had it cached", async () => {
    const a = await appInstance(String(service.url));
    const b = await appInstance(String(service.url));
    database.set("u1", "active");
    loads = 0;
    for (const app of [a, b, a, b]) assert.equal(await statusOf(app, "u1"), 200);
    assert.equal(loads, 1, "the second instance read the first one's entry from Redis");

    await a.suspend("u1");
    assert.equal(await statusOf(a, "u1"), 403, "at once on the instance that suspended");
    const started = Date.now();
    while ((await statusOf(b, "u1")) !== 403) {
      assert.ok(Date.now() - started < 1000, "the other instance still answers 200 after 1 s");
      await sleep(10);
    }
    const res = await b.app.inject({ url: "/stand-in/users/u1/status" });
    assert.equal(res.headers["content-type"], "application/problem+json; charset=utf-8");
    assert.equal(res.json().code, "user.suspended");
  });

  it("Redis gone for one instance mid-run: its requests still answer 200 from the loader, and it serves Redis entries again once back", async () => {
    const proxy: TcpProxy = await startTcpProxy(String(service.url));
    cleanups.push(() => proxy.close());
    const a = await appInstance(String(service.url));
    const b = await appInstance(proxy.url);
    database.set("u2", "active");
    database.set("u3", "active");
    loads = 0;
    assert.equal(await statusOf(b, "u2"), 200);

    proxy.down();
    for (let i = 0; i < 5; i++) assert.equal(await statusOf(b, "u3"), 200);
    assert.equal(loads, 2, "u3 loaded once while Redis is away, then served by the local layer");

    proxy.up();
    // Reads go to Redis again: an entry A stores is served to B without B loading it.
    const started = Date.now();
    for (let i = 0; ; i++) {
      assert.ok(Date.now() - started < 5000, "B did not read from Redis again within 5 s");
      database.set(`fresh${i}`, "active");
      assert.equal(await statusOf(a, `fresh${i}`), 200);
      const before: number = loads;
      assert.equal(await statusOf(b, `fresh${i}`), 200);
      if (loads === before) break;
      await sleep(50);
    }
  });
});
