import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it, mock } from "node:test";
import Fastify from "fastify";
import { Registry } from "prom-client";
import { installErrorHandling } from "../../../src/platform/errors/error-handler.ts";
import { createLogger } from "../../../src/platform/logging/logger.ts";
import { clientNetworkKey } from "../../../src/platform/rate-limit/client-key.ts";
import { installRateLimiting } from "../../../src/platform/rate-limit/rate-limit.ts";
import { buildTestApp, type TestApp, testConfig } from "../../helpers/app.ts";
import { LogCapture } from "../../helpers/log-capture.ts";
import { addTierRoutes, count, hit } from "../../helpers/rate-limit.ts";

const MINUTE = 60_000;

async function limitedApp(env: Record<string, string> = {}): Promise<TestApp> {
  const t = await buildTestApp(env);
  addTierRoutes(t.app);
  await t.app.ready();
  return t;
}

describe("rate-limit tiers (in memory, fake clock)", () => {
  beforeEach(() => mock.timers.enable({ apis: ["Date"], now: Date.parse("2026-01-05T10:00:00Z") }));
  afterEach(() => mock.timers.reset());

  const defaults = [
    { tier: "public", perMinute: 20, perHour: 1000, burst: 30 },
    { tier: "user", perMinute: 100, perHour: 5000, burst: 150 },
    { tier: "admin", perMinute: 200, perHour: 10000, burst: 300 },
    { tier: "ai", perMinute: 10, perHour: 300, burst: 15 },
    { tier: "webhook", perMinute: 100, perHour: 5000, burst: 200 },
    { tier: "auth", perMinute: 10, perHour: 100, burst: 10 },
  ];

  for (const { tier, perMinute, perHour, burst } of defaults) {
    it(`${tier}: burst of ${burst} at once, then ${perMinute} in the next minute, within ${perHour}/h`, async () => {
      const t = await limitedApp();
      try {
        const url = `/test/${tier}`;
        const first = await hit(t.app, url, burst + 1);
        assert.equal(count(first, 200), burst, "the burst is allowed");
        assert.equal(first.at(-1), 429, "one more is refused");

        const res = await t.app.inject({ method: "GET", url });
        assert.equal(res.statusCode, 429);
        const policy = String(res.headers["ratelimit-policy"]);
        assert.match(policy, new RegExp(`"${tier}-min";q=${perMinute};w=60`));
        assert.match(policy, new RegExp(`"${tier}-hour";q=${perHour};w=3600`));
        if (burst > perMinute) assert.match(policy, new RegExp(`"${tier}-burst";q=${burst - perMinute};w=600`));

        // Next minute: the minute window has refilled, the burst allowance has not.
        mock.timers.tick(MINUTE);
        const second = await hit(t.app, url, perMinute + 1);
        assert.equal(count(second, 200), perMinute);
        assert.equal(second.at(-1), 429);
      } finally {
        await t.app.close();
      }
    });
  }

  it("enforces the hour window across minutes, and the burst allowance refills after its window", async () => {
    const t = await limitedApp({ RATE_LIMIT_USER: "min=5,hour=12,burst=7" });
    try {
      const url = "/test/user";
      assert.deepEqual(await hit(t.app, url, 8), [200, 200, 200, 200, 200, 200, 200, 429]);
      mock.timers.tick(MINUTE);
      assert.equal(count(await hit(t.app, url, 6), 200), 5, "minute 2: 5, no burst left");
      mock.timers.tick(MINUTE);
      // 12 used of the hour: the minute window would allow 5 more, the hour allows none.
      const third = await t.app.inject({ method: "GET", url });
      assert.equal(third.statusCode, 429);
      const retryAfter = Number(third.headers["retry-after"]);
      assert.ok(retryAfter > 3000 && retryAfter <= 3600, `retry after the hour window (${retryAfter} s)`);
      mock.timers.tick(60 * MINUTE);
      assert.deepEqual(await hit(t.app, url, 8), [200, 200, 200, 200, 200, 200, 200, 429], "new hour, burst refilled");
    } finally {
      await t.app.close();
    }
  });
});

describe("rate-limit responses", () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await limitedApp({ RATE_LIMIT_PUBLIC: "min=3,hour=100,burst=4" });
  });
  afterEach(() => t.app.close());

  it("reports the policy and what remains on every limited response", async () => {
    const res = await t.app.inject({ method: "GET", url: "/test/public" });
    assert.equal(res.statusCode, 200);
    assert.equal(
      res.headers["ratelimit-policy"],
      '"public-min";q=3;w=60, "public-burst";q=1;w=600, "public-hour";q=100;w=3600',
    );
    assert.match(String(res.headers.ratelimit), /^"public-min";r=2;t=(60|59), "public-hour";r=99;t=(3600|3599)$/);
    const head = await t.app.inject({ method: "HEAD", url: "/test/public" });
    assert.match(String(head.headers.ratelimit), /^"public-min";r=1;/, "the HEAD twin spends the same budget");
    const health = await t.app.inject({ method: "GET", url: "/health" });
    assert.equal(health.headers.ratelimit, undefined, "unlimited routes carry no RateLimit headers");
  });

  it("refuses with a 429 problem, Retry-After and the RateLimit headers", async () => {
    await hit(t.app, "/test/public", 4);
    const res = await t.app.inject({ method: "GET", url: "/test/public" });
    assert.equal(res.statusCode, 429);
    assert.match(String(res.headers["content-type"]), /^application\/problem\+json/);
    const body = res.json();
    assert.equal(body.code, "rate_limit.exceeded");
    assert.match(body.detail, /public tier/);
    const retryAfter = Number(res.headers["retry-after"]);
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    assert.match(String(res.headers.ratelimit), /"public-min";r=0;t=\d+, "public-burst";r=0;t=\d+/);
    assert.equal(res.headers["x-content-type-options"], "nosniff");
  });

  it("gives each client IP its own budget, and ignores a spoofed X-Forwarded-For", async () => {
    assert.equal(count(await hit(t.app, "/test/public", 5, { remoteAddress: "198.51.100.1" }), 200), 4);
    assert.equal(count(await hit(t.app, "/test/public", 5, { remoteAddress: "198.51.100.2" }), 200), 4);
    const spoofed = await hit(t.app, "/test/public", 3, {
      remoteAddress: "198.51.100.1",
      headers: { "x-forwarded-for": "203.0.113.77" },
    });
    assert.deepEqual(spoofed, [429, 429, 429], "TRUST_PROXY is off: the header does not buy a new budget");
  });

  it("keys IPv6 clients by their /64, so rotating addresses within it buys nothing", async () => {
    const a = await hit(t.app, "/test/public", 2, { remoteAddress: "2001:db8:1:2::1" });
    const b = await hit(t.app, "/test/public", 3, { remoteAddress: "2001:db8:1:2:ffff::9" });
    assert.deepEqual([...a, ...b], [200, 200, 200, 200, 429]);
    assert.equal(clientNetworkKey("2001:db8::1"), "ip6:2001:db8:0:0::/64");
    assert.equal(clientNetworkKey("::ffff:192.0.2.1"), "ip:192.0.2.1");
  });
});

describe("rate-limit configuration", () => {
  it("counts rejections in rampart_rate_limit_rejections_total{tier}", async () => {
    const metrics = new Registry();
    const t = await buildTestApp({ RATE_LIMIT_AI: "min=1,hour=10,burst=1" }, { metrics });
    addTierRoutes(t.app);
    try {
      await hit(t.app, "/test/ai", 3);
      const text = await metrics.metrics();
      assert.match(text, /rampart_rate_limit_rejections_total\{tier="ai"\} 2/);
    } finally {
      await t.app.close();
    }
  });

  it("ENABLE_RATE_LIMITING=false turns limits off, with a warning in production", async () => {
    const off = await limitedApp({ ENABLE_RATE_LIMITING: "false", RATE_LIMIT_PUBLIC: "min=1,hour=1,burst=1" });
    try {
      assert.deepEqual(await hit(off.app, "/test/public", 3), [200, 200, 200]);
      const res = await off.app.inject({ method: "GET", url: "/test/public" });
      assert.equal(res.headers.ratelimit, undefined);
      assert.equal(
        off.logs.lines().find((l) => /rate limiting is disabled/.test(l.msg)),
        undefined,
      );
    } finally {
      await off.app.close();
    }
    const prod = await buildTestApp({ APP_ENV: "production", ENABLE_RATE_LIMITING: "false" });
    try {
      const warning = prod.logs.lines().find((l) => /rate limiting is disabled/.test(l.msg));
      assert.equal(warning?.level, "warn");
    } finally {
      await prod.app.close();
    }
  });

  it("RATE_LIMIT_ROUTES puts a tier on an existing route without a deploy", async () => {
    const t = await buildTestApp({ RATE_LIMIT_ROUTES: "GET /health=auth", RATE_LIMIT_AUTH: "min=2,hour=9,burst=2" });
    try {
      assert.deepEqual(await hit(t.app, "/health", 3), [200, 200, 429]);
      const head = await t.app.inject({ method: "HEAD", url: "/health" });
      assert.equal(head.statusCode, 429, "its HEAD twin shares the tier and the budget");
      assert.equal((await t.app.inject({ method: "GET", url: "/health/live" })).statusCode, 200);
    } finally {
      await t.app.close();
    }
  });

  it("rejects a burst below the minute rate and unknown tiers in RATE_LIMIT_ROUTES", () => {
    assert.throws(() => testConfig({ RATE_LIMIT_USER: "min=10,hour=100,burst=5" }), /RATE_LIMIT_USER/);
    assert.throws(() => testConfig({ RATE_LIMIT_USER: "10/min" }), /RATE_LIMIT_USER/);
    assert.throws(() => testConfig({ RATE_LIMIT_ROUTES: "GET /health=vip" }), /RATE_LIMIT_ROUTES/);
  });

  it("takes the key and tier from a pluggable resolver (how identity will key by user, API key or role)", async () => {
    const config = testConfig({ RATE_LIMIT_ADMIN: "min=2,hour=10,burst=2" });
    const app = Fastify();
    installErrorHandling(app);
    installRateLimiting(
      app,
      config,
      { logger: createLogger(config, new LogCapture()), metrics: new Registry(), redis: undefined },
      () => (request) => ({ tier: "admin", key: `user:${String(request.headers["x-user"])}` }),
    );
    app.get("/anything", async () => ({}));
    try {
      const as = (user: string) => app.inject({ method: "GET", url: "/anything", headers: { "x-user": user } });
      assert.deepEqual(
        [(await as("ann")).statusCode, (await as("ann")).statusCode, (await as("ann")).statusCode],
        [200, 200, 429],
      );
      assert.equal((await as("bob")).statusCode, 200, "another user, same IP, own budget");
      assert.match(String((await as("bob")).headers["ratelimit-policy"]), /"admin-min";q=2/);
    } finally {
      await app.close();
    }
  });
});
