import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Registry } from "prom-client";
import { createMetricsHistory, p95Between } from "../../src/platform/observability/metrics-history.ts";
import { enginesUnderTest } from "../helpers/database.ts";
import { bearer, type IdentityHarness, identityHarness } from "../helpers/identity.ts";
import { makePlatformAdmin, newUser, type SignedIn } from "../helpers/tenancy.ts";

// The JSON series behind the console's live charts (GET /api/v1/admin/metrics/recent):
// platform admins only, computed from this instance's own registry.

const [sqlite] = await enginesUnderTest();

describe("p95 from histogram buckets", () => {
  it("interpolates inside the bucket that holds the 95th percentile, like histogram_quantile", () => {
    const before = new Map([
      [0.01, 0],
      [0.1, 0],
      [1, 0],
      [Number.POSITIVE_INFINITY, 0],
    ]);
    // 100 requests: 50 under 10 ms, 40 more under 100 ms, 10 more under 1 s.
    const after = new Map([
      [0.01, 50],
      [0.1, 90],
      [1, 100],
      [Number.POSITIVE_INFINITY, 100],
    ]);
    // Rank 95 is the 5th of the 10 requests between 100 ms and 1 s: 100 + 900 × 5/10 = 550 ms.
    assert.equal(p95Between(before, after), 550);
    assert.equal(p95Between(after, after), null, "no request in the interval, no percentile");
  });
});

describe("recent metrics of this instance", () => {
  let h: IdentityHarness;
  let admin: SignedIn;
  let member: SignedIn;
  before(async () => {
    assert.ok(sqlite);
    h = await identityHarness(sqlite, { ENABLE_METRICS: "true" });
    admin = await newUser(h, "admin");
    await makePlatformAdmin(h, admin.userId);
    member = await newUser(h, "member");
  });
  after(() => h.close());

  const recent = (headers: Record<string, string>) =>
    h.app.inject({ method: "GET", url: "/api/v1/admin/metrics/recent", headers });

  it("is refused to anyone but a platform admin", async () => {
    assert.equal((await recent({})).statusCode, 401);
    assert.equal((await recent(bearer(member.accessToken))).statusCode, 403);
  });

  it("reports the request rate, 5xx share and p95 of the interval running now", async () => {
    for (let i = 0; i < 5; i++) await h.app.inject({ method: "GET", url: "/health" });
    const res = await recent(bearer(admin.accessToken));
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers["cache-control"], "no-store");
    const body = res.json() as {
      enabled: boolean;
      intervalSeconds: number;
      points: { requestsPerSecond: number; errorRate: number; p95Ms: number | null }[];
    };
    assert.equal(body.enabled, true);
    assert.equal(body.intervalSeconds, 10);
    const last = body.points.at(-1);
    assert.ok(last, "the interval running now is a point");
    assert.ok(last.requestsPerSecond > 0);
    assert.equal(last.errorRate, 0);
    assert.ok(last.p95Ms !== null && last.p95Ms >= 0);
  });
});

describe("the history ring", () => {
  it("differences two snapshots into a point, 429s per tier included", async () => {
    const registry = new Registry();
    const { Counter } = await import("prom-client");
    const rejections = new Counter({
      name: "rampart_rate_limit_rejections_total",
      help: "x",
      labelNames: ["tier"],
      registers: [registry],
    });
    let now = 0;
    const history = createMetricsHistory(registry, { intervalSeconds: 10, now: () => now });
    history.start();
    await new Promise((resolve) => setImmediate(resolve));
    history.stop();
    now = 10_000;
    rejections.inc({ tier: "auth" }, 3);
    const points = await history.points();
    assert.equal(points.length, 1);
    assert.deepEqual(points[0]?.rateLimited, { auth: 3 });
    assert.equal(points[0]?.requestsPerSecond, 0);
    assert.equal(points[0]?.p95Ms, null);
  });
});

describe("recent metrics with ENABLE_METRICS=false", () => {
  let h: IdentityHarness;
  before(async () => {
    assert.ok(sqlite);
    h = await identityHarness(sqlite, { ENABLE_METRICS: "false" });
  });
  after(() => h.close());

  it("says so instead of charting nothing", async () => {
    const admin = await newUser(h, "admin");
    await makePlatformAdmin(h, admin.userId);
    const res = await h.app.inject({
      method: "GET",
      url: "/api/v1/admin/metrics/recent",
      headers: bearer(admin.accessToken),
    });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { enabled: false, intervalSeconds: 10, points: [] });
  });
});
