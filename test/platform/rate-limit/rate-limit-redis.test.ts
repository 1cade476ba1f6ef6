import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { type AddressInfo, createServer, type Socket } from "node:net";
import { after, describe, it } from "node:test";
import { Redis } from "ioredis";
import { buildApp } from "../../../src/app.ts";
import { createLogger } from "../../../src/platform/logging/logger.ts";
import { LEASE_FLOOR, LEASE_SIZE } from "../../../src/platform/rate-limit/lease.ts";
import { closeRedis, connectRedis, createRedisClient } from "../../../src/platform/redis/connect.ts";
import { createRuntimeDeps } from "../../../src/platform/runtime-deps.ts";
import { buildTestApp, type TestApp, testConfig } from "../../helpers/app.ts";
import { LogCapture } from "../../helpers/log-capture.ts";
import { addTierRoutes, hit, recordCommands } from "../../helpers/rate-limit.ts";
import { startServerProcess } from "../../helpers/server-process.ts";
import { redis } from "../../helpers/services.ts";

const service = await redis();

/**
 * An app whose limiter counts in the Redis at `url` through the production client. The
 * command timeout is longer than the production 50 ms so that a busy 2-core test machine
 * does not fall back to memory where a test expects Redis.
 */
async function appOnRedis(
  url: string,
  env: Record<string, string>,
  commandTimeoutMs = 2000,
): Promise<TestApp & { client: Redis }> {
  const config = testConfig(env);
  const logger = createLogger(config, new LogCapture());
  const client = createRedisClient({ url, connectTimeoutMs: 1000, commandTimeoutMs }, logger);
  await connectRedis(client, 1000, logger);
  const t = await buildTestApp(env, { redis: client });
  addTierRoutes(t.app);
  await t.app.ready();
  return { ...t, client };
}

async function closeAll(...apps: (TestApp & { client: Redis })[]) {
  for (const a of apps) {
    await a.app.close();
    await closeRedis(a.client);
  }
}

const allAnswered = (statuses: number[]) => statuses.every((s) => s === 200 || s === 429);

/** Sends `n` requests to /test/public one after another, each answered 200; the minute window's remaining after each. */
async function publicRemaining(t: TestApp, n: number): Promise<number[]> {
  const remaining: number[] = [];
  for (let i = 0; i < n; i++) {
    const res = await t.app.inject({ method: "GET", url: "/test/public" });
    assert.equal(res.statusCode, 200);
    remaining.push(Number(/"public-min";r=(\d+);/.exec(String(res.headers.ratelimit))?.[1]));
  }
  return remaining;
}

describe("rate limits shared in Redis", { skip: service.skip }, () => {
  const url = String(service.url);
  const admin = service.skip ? undefined : new Redis(url);
  const prefixes: string[] = [];
  const uniquePrefix = () => {
    const prefix = `rampart:test:rl:${randomUUID()}`;
    prefixes.push(prefix);
    return prefix;
  };
  after(async () => {
    if (!admin) return;
    for (const prefix of prefixes) {
      const keys = await admin.keys(`${prefix}:*`);
      if (keys.length > 0) await admin.del(...keys);
    }
    admin.disconnect();
  });

  it("two app instances count against one limit", async () => {
    const env = { RATE_LIMIT_KEY_PREFIX: uniquePrefix(), RATE_LIMIT_PUBLIC: "min=5,hour=100,burst=5" };
    const a = await appOnRedis(url, env);
    const b = await appOnRedis(url, env);
    try {
      assert.deepEqual(await hit(a.app, "/test/public", 3), [200, 200, 200]);
      const fourth = await b.app.inject({ method: "GET", url: "/test/public" });
      assert.equal(fourth.statusCode, 200);
      assert.match(String(fourth.headers.ratelimit), /"public-min";r=1;/, "B sees A's three requests");
      assert.deepEqual(await hit(b.app, "/test/public", 2), [200, 429]);
      assert.deepEqual(await hit(a.app, "/test/public", 1), [429]);
    } finally {
      await closeAll(a, b);
    }
  });

  it("counts a request's minute, burst and hour windows in one Redis round trip", async () => {
    // Fewer than LEASE_FLOOR requests left: each request is counted in Redis on its own.
    const env = {
      RATE_LIMIT_KEY_PREFIX: uniquePrefix(),
      RATE_LIMIT_PUBLIC: `min=${LEASE_FLOOR - 1},hour=1000,burst=100`,
    };
    const t = await appOnRedis(url, env);
    try {
      await hit(t.app, "/test/public", 1); // loads the script
      const sent = recordCommands(t.client);
      await hit(t.app, "/test/public", 3);
      assert.deepEqual(sent, ["evalsha", "evalsha", "evalsha"]);
    } finally {
      await closeAll(t);
    }
  });

  it("far from its limit, a client is counted a lease at a time: one round trip per LEASE_SIZE requests, remaining still exact", async () => {
    const env = { RATE_LIMIT_KEY_PREFIX: uniquePrefix(), RATE_LIMIT_PUBLIC: "min=10000,hour=100000,burst=10000" };
    const t = await appOnRedis(url, env);
    try {
      await hit(t.app, "/test/public", 1); // loads the script, takes a lease
      const sent = recordCommands(t.client);
      const remaining = await publicRemaining(t, 2 * LEASE_SIZE);
      // A whole lease is kept in reserve: the next is counted ahead on the first request served
      // from the first lease, then each time one more lease has been used up.
      assert.deepEqual(sent, ["evalsha", "evalsha", "evalsha"], "one lease counted ahead, then one per LEASE_SIZE");
      assert.deepEqual(
        remaining,
        remaining.map((_, i) => 10000 - 2 - i),
        "each request sees the count it would have seen alone",
      );
    } finally {
      await closeAll(t);
    }
  });

  it("a busy client is counted in leases that grow: 1,000 requests take fewer than 30 round trips, remaining still exact", async () => {
    const env = { RATE_LIMIT_KEY_PREFIX: uniquePrefix(), RATE_LIMIT_PUBLIC: "min=100000,hour=1000000,burst=100000" };
    const t = await appOnRedis(url, env);
    try {
      const sent = recordCommands(t.client);
      const remaining = await publicRemaining(t, 1000);
      // Leases of LEASE_SIZE alone would take 1000 / 16 = 63 round trips. Each lease counted
      // ahead within 100 ms of the one before is twice as large (16, 32, 64, …, 256).
      assert.ok(sent.length < 30, `${sent.length} round trips for 1,000 requests`);
      assert.deepEqual(
        remaining,
        remaining.map((_, i) => 100000 - 1 - i),
        "each request sees the count it would have seen alone",
      );
    } finally {
      await closeAll(t);
    }
  });

  it("a steady client finds its next lease counted ahead: its requests are answered while Redis is paused", async () => {
    const env = { RATE_LIMIT_KEY_PREFIX: uniquePrefix(), RATE_LIMIT_PUBLIC: "min=10000,hour=100000,burst=10000" };
    const t = await appOnRedis(url, env, 10_000);
    const pauser = new Redis(url);
    try {
      // The first lease: the request that counted it, then the rest of it. Fewer than
      // REFILL_BELOW left sends the next lease's count ahead; Redis answers it at once here.
      const sent = recordCommands(t.client);
      assert.deepEqual(await hit(t.app, "/test/public", LEASE_SIZE), Array(LEASE_SIZE).fill(200));
      assert.deepEqual(sent, ["evalsha", "evalsha"], "the first lease, and the next counted ahead");
      await new Promise((resolve) => setTimeout(resolve, 100));
      // Redis now answers nobody for 3 s. The lease counted ahead serves the next LEASE_SIZE
      // requests; without it, the first of them would wait for Redis.
      await pauser.client("PAUSE", 3000, "ALL");
      const pausedUntil = Date.now() + 3000;
      const remaining = await publicRemaining(t, LEASE_SIZE);
      assert.ok(Date.now() < pausedUntil - 1000, "answered while Redis was still paused");
      assert.deepEqual(
        remaining,
        remaining.map((_, i) => 10000 - LEASE_SIZE - 1 - i),
        "each request sees the count it would have seen alone",
      );
    } finally {
      await pauser.client("UNPAUSE");
      pauser.disconnect();
      await closeAll(t);
    }
  });

  it("leases never let more than the limit through, across instances and concurrent requests", async () => {
    const prefix = uniquePrefix();
    const env = {
      RATE_LIMIT_KEY_PREFIX: prefix,
      RATE_LIMIT_PUBLIC: `min=${LEASE_FLOOR * 2},hour=100000,burst=${LEASE_FLOOR * 2}`,
    };
    const a = await appOnRedis(url, env);
    const b = await appOnRedis(url, env);
    try {
      const sentA = recordCommands(a.client);
      const statuses = await Promise.all(
        Array.from({ length: LEASE_FLOOR * 3 }, (_, i) =>
          (i % 2 === 0 ? a : b).app.inject({ method: "GET", url: "/test/public" }).then((res) => res.statusCode),
        ),
      );
      assert.ok(allAnswered(statuses), statuses.join(","));
      const allowed = statuses.filter((s) => s === 200).length;
      assert.ok(allowed <= LEASE_FLOOR * 2, `${allowed} allowed with a limit of ${LEASE_FLOOR * 2}`);
      // Unused leases are the only loss: what was left of one and the one counted ahead, per
      // instance — each at most LEASE_SIZE here, an eighth of the LEASE_FLOOR * 2 left at most.
      assert.ok(allowed > LEASE_FLOOR * 2 - 2 * (LEASE_SIZE + LEASE_SIZE), `only ${allowed} allowed`);
      // 96 concurrent requests on A shared leases instead of each taking one.
      assert.ok(
        sentA.length < (LEASE_FLOOR * 3) / 2,
        `${sentA.length} round trips for ${(LEASE_FLOOR * 3) / 2} requests`,
      );
    } finally {
      await closeAll(a, b);
    }
  });

  it("in Redis, the burst allowance and the hour window follow the same rules as in memory", async () => {
    // The burst's one extra request, then a refusal by the burst; and a refusal by the hour window.
    const cases = [
      { spec: "min=2,hour=10,burst=3", statuses: ["200", "200", "200", "429", "429"] },
      { spec: "min=5,hour=3,burst=5", statuses: ["200", "200", "200", "429", "429"] },
    ];
    for (const { spec, statuses } of cases) {
      const env = { RATE_LIMIT_PUBLIC: spec };
      const shared = await appOnRedis(url, { ...env, RATE_LIMIT_KEY_PREFIX: uniquePrefix() });
      const local = await buildTestApp(env);
      addTierRoutes(local.app);
      try {
        const answers = async (app: TestApp["app"]) => {
          const seen: string[] = [];
          for (let i = 0; i < statuses.length; i++) {
            const res = await app.inject({ method: "GET", url: "/test/public" });
            seen.push(`${res.statusCode} ${String(res.headers.ratelimit)} retry=${String(res.headers["retry-after"])}`);
          }
          return seen;
        };
        const inRedis = await answers(shared.app);
        assert.deepEqual(
          inRedis.map((a) => a.split(" ")[0]),
          statuses,
          spec,
        );
        assert.deepEqual(inRedis, await answers(local.app), `${spec}: Redis and memory answer alike, headers included`);
      } finally {
        await closeAll(shared);
        await local.app.close();
      }
    }
  });

  it("keeps limiting in memory while Redis is paused, fails no request, and counts in Redis again afterwards", async () => {
    assert.ok(admin);
    const prefix = uniquePrefix();
    const env = { RATE_LIMIT_KEY_PREFIX: prefix, RATE_LIMIT_PUBLIC: "min=5,hour=100,burst=5" };
    // Shorter than the pause, so commands sent during it time out and fall back.
    const t = await appOnRedis(url, env, 150);
    const minuteKey = `${prefix}:public:min:ip:127.0.0.1`;
    try {
      // Warm the connection and the Lua script on another tier, leaving the public budget untouched.
      assert.deepEqual(await hit(t.app, "/test/user", 2), [200, 200]);
      assert.ok((await admin.keys(`${prefix}:user:*`)).length > 0, "counted in Redis");

      const pausedAt = Date.now();
      await admin.call("CLIENT", "PAUSE", "500", "ALL");
      const during = await hit(t.app, "/test/public", 6);
      assert.ok(allAnswered(during), `no request failed: ${during}`);
      assert.deepEqual(during, [200, 200, 200, 200, 200, 429], "the limit still holds, counted in memory");
      assert.ok(Date.now() - pausedAt < 500, "all six were answered while Redis was paused");
      // Past the pause and the limiter's 1 s cool-down, Redis is used again.
      await new Promise((r) => setTimeout(r, 1700 - (Date.now() - pausedAt)));
      const before = Number(await admin.get(minuteKey));
      const after = await t.app.inject({ method: "GET", url: "/test/public" });
      assert.ok(allAnswered([after.statusCode]));
      assert.equal(Number(await admin.get(minuteKey)), before + 1, "the next request is counted in Redis");
      assert.match(t.logs.text(), /rate limits counted in process memory/);
    } finally {
      await closeAll(t);
    }
  });
});

describe("rate limits when Redis is unreachable", () => {
  it("count in memory when the Redis client points at a dead port, and no request fails", async () => {
    const t = await appOnRedis("redis://127.0.0.1:1", {
      RATE_LIMIT_KEY_PREFIX: "rampart:test:dead",
      RATE_LIMIT_AI: "min=3,hour=10,burst=4",
    });
    try {
      const statuses = await hit(t.app, "/test/ai", 6);
      assert.deepEqual(statuses, [200, 200, 200, 200, 429, 429]);
    } finally {
      await closeAll(t);
    }
  });

  it("let startup complete within 3 s when Redis accepts connections but never answers", async () => {
    // A black hole on loopback: the TCP connection opens, no Redis reply ever comes.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    silent.listen(0, "127.0.0.1");
    await once(silent, "listening");
    const { port } = silent.address() as AddressInfo;
    const env = {
      REDIS_URL: `redis://127.0.0.1:${port}`,
      RATE_LIMIT_ROUTES: "GET /health=public",
      RATE_LIMIT_PUBLIC: "min=2,hour=10,burst=2",
    };
    const config = testConfig(env);
    const logs = new LogCapture();
    const started = Date.now();
    const runtime = await createRuntimeDeps(config, createLogger(config, logs));
    const app = await buildApp(config, runtime.deps);
    const address = await app.listen({ host: "127.0.0.1", port: 0 });
    const elapsed = Date.now() - started;
    try {
      assert.ok(elapsed < 3000, `listening after ${elapsed} ms`);
      assert.match(logs.text(), /redis not reachable at startup; starting degraded/);
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await fetch(`${address}/health`)).status);
      assert.deepEqual(statuses, [200, 200, 429], "limits enforced in memory");
    } finally {
      await app.close();
      await runtime.close();
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it("let the real server process start and limit in memory with Redis at a dead port", async () => {
    const server = await startServerProcess({
      REDIS_URL: "redis://127.0.0.1:1",
      RATE_LIMIT_ROUTES: "GET /health=public",
      RATE_LIMIT_PUBLIC: "min=2,hour=10,burst=2",
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await fetch(`${server.url}/health`)).status);
      assert.deepEqual(statuses, [200, 200, 429]);
    } finally {
      server.child.kill("SIGTERM");
      await server.exited();
    }
  });
});
