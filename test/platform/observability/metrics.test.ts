import assert from "node:assert/strict";
import { once } from "node:events";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import { Redis } from "ioredis";
import { Registry } from "prom-client";
import { type ConfigError, loadConfig } from "../../../src/config/load.ts";
import { createLogger } from "../../../src/platform/logging/logger.ts";
import { closeRedis, connectRedis, createRedisClient } from "../../../src/platform/redis/connect.ts";
import { buildTestApp, type TestApp } from "../../helpers/app.ts";
import { redis } from "../../helpers/services.ts";

const TOKEN = "scrape-token-0123456789";
const service = await redis();

/** The value of one series in a Prometheus text exposition, or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return undefined;
}

/** A /slow route held until `release()`; `arrived(n)` resolves once n requests are inside its handler. */
function holdingRoute(t: TestApp) {
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  let inside = 0;
  const waiters: { n: number; resolve: () => void }[] = [];
  t.app.get("/slow", { schema: { hide: true } as object }, async () => {
    inside++;
    for (const w of waiters.filter((w) => w.n <= inside)) w.resolve();
    await held;
    return { ok: true };
  });
  return {
    release: () => release(),
    arrived: (n: number) => new Promise<void>((resolve) => (inside >= n ? resolve() : waiters.push({ n, resolve }))),
  };
}

/** Scrapes until the in-flight gauge reads `expected` (the close event lands a moment after an abort). */
async function inFlightBecomes(t: TestApp, expected: number): Promise<number | undefined> {
  let value: number | undefined;
  for (let attempt = 0; attempt < 100; attempt++) {
    value = sample(await scrape(t), "rampart_http_requests_in_flight");
    if (value === expected) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return value;
}

/** Lets the held handler answer (into a connection already closed) and reads the gauge once that has settled. */
async function inFlightAfterLateAnswer(
  t: TestApp,
  route: ReturnType<typeof holdingRoute>,
): Promise<number | undefined> {
  route.release();
  await new Promise((resolve) => setTimeout(resolve, 100));
  return sample(await scrape(t), "rampart_http_requests_in_flight");
}

async function scrape(t: TestApp): Promise<string> {
  const res = await t.app.inject({ url: "/metrics", headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(res.statusCode, 200);
  return res.body;
}

describe("metrics on the main port (METRICS_TOKEN)", () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp({ METRICS_TOKEN: TOKEN });
  });
  after(() => t.app.close());

  it("is served in the Prometheus text format with the right bearer token", async () => {
    const res = await t.app.inject({ url: "/metrics", headers: { authorization: `bearer ${TOKEN}` } });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers["content-type"]), /^text\/plain; version=0\.0\.4/);
    assert.equal(res.headers["cache-control"], "no-store");
    assert.match(res.body, /^# HELP rampart_http_request_duration_seconds /m);
    for (const name of [
      "process_cpu_user_seconds_total",
      "nodejs_eventloop_lag_seconds",
      "nodejs_heap_size_used_bytes",
    ]) {
      assert.notEqual(sample(res.body, name), undefined, name);
    }
  });

  it("reads the event-loop delay itself, not Node's 10 ms sampling interval, on an idle server", async () => {
    await scrape(t); // starts a fresh window
    await new Promise((resolve) => setTimeout(resolve, 300));
    const body = await scrape(t);
    for (const name of ["nodejs_eventloop_lag_p50_seconds", "nodejs_eventloop_lag_min_seconds"]) {
      const value = sample(body, name);
      assert.ok(value !== undefined && value >= 0 && value < 0.005, `${name} ${value}: idle lag is well under 5 ms`);
    }
    assert.equal(body.match(/^# HELP nodejs_eventloop_lag_p50_seconds /gm)?.length, 1, "one series per name");
  });

  it("does not log scrapes at info, nor count them in the request histogram", async () => {
    await scrape(t);
    await scrape(t);
    const body = await scrape(t);
    assert.doesNotMatch(body, /rampart_http_request_duration_seconds_count\{[^}]*route="\/metrics"/);
    const scrapeLines = t.logs.lines().filter((l) => l.route === "/metrics" || l.path === "/metrics");
    assert.deepEqual(scrapeLines, []);
    // Other requests still are both.
    await t.app.inject({ url: "/.well-known/jwks.json" });
    assert.match(
      await scrape(t),
      /rampart_http_request_duration_seconds_count\{[^}]*route="\/\.well-known\/jwks\.json"/,
    );
    assert.ok(t.logs.lines().some((l) => l.msg === "request completed" && l.route === "/.well-known/jwks.json"));
  });

  for (const [what, authorization] of [
    ["no Authorization header", undefined],
    ["a wrong token", "Bearer wrong-token-0123456789"],
    ["the token with another scheme", `Basic ${TOKEN}`],
    ["a prefix of the token", `Bearer ${TOKEN.slice(0, -1)}`],
  ] as const) {
    it(`answers ${what} with the same 404 problem as an unknown route`, async () => {
      const headers = authorization ? { authorization } : {};
      const res = await t.app.inject({ url: "/metrics", headers: { ...headers, "x-request-id": "r1" } });
      const unknown = await t.app.inject({ url: "/metricz", headers: { "x-request-id": "r1" } });
      assert.equal(res.statusCode, 404);
      assert.equal(res.headers["content-type"], unknown.headers["content-type"]);
      assert.deepEqual(res.json(), {
        ...unknown.json(),
        detail: "No route matches GET /metrics.",
        instance: "/metrics",
      });
      assert.doesNotMatch(res.body, /rampart_|# HELP/);
    });
  }

  it("counts a matched request under its route template and 2xx", async () => {
    const before = sample(await scrape(t), "rampart_http_request_duration_seconds_count", {
      method: "GET",
      route: "/health",
      status_class: "2xx",
    });
    await t.app.inject({ url: "/health" });
    await t.app.inject({ url: "/health?probe=1" });
    const text = await scrape(t);
    const labels = { method: "GET", route: "/health", status_class: "2xx" };
    assert.equal(sample(text, "rampart_http_request_duration_seconds_count", labels), (before ?? 0) + 2);
    assert.ok((sample(text, "rampart_http_request_duration_seconds_bucket", { ...labels, le: "+Inf" }) ?? 0) >= 2);
  });

  it("counts a request refused before its handler and a HEAD request under their route's template", async () => {
    const me = { route: "/api/v1/users/me" };
    const before = await scrape(t);
    const refused = await t.app.inject({ url: "/api/v1/users/me" });
    assert.equal(refused.statusCode, 401);
    assert.equal((await t.app.inject({ method: "HEAD", url: "/health" })).statusCode, 200);
    const text = await scrape(t);
    for (const labels of [
      { method: "GET", ...me, status_class: "4xx" },
      { method: "HEAD", route: "/health", status_class: "2xx" },
    ]) {
      const count = (s: string) => sample(s, "rampart_http_request_duration_seconds_count", labels) ?? 0;
      assert.equal(count(text), count(before) + 1, JSON.stringify(labels));
    }
  });

  it("counts unknown paths under one (unmatched) label in the 4xx class, never the raw URL", async () => {
    for (const path of ["/no/such/path", "/users/123456", "/random-9f8e7d"]) await t.app.inject({ url: path });
    const text = await scrape(t);
    assert.ok(
      (sample(text, "rampart_http_request_duration_seconds_count", {
        method: "GET",
        route: "(unmatched)",
        status_class: "4xx",
      }) ?? 0) >= 3,
    );
    assert.doesNotMatch(text, /users\/123456|random-9f8e7d|no\/such\/path/);
  });

  it("counts requests in flight and returns to 0 when they finish", async () => {
    const slow = await buildTestApp({ METRICS_TOKEN: TOKEN });
    const route = holdingRoute(slow);
    try {
      const pending = [slow.app.inject({ url: "/slow" }), slow.app.inject({ url: "/slow" })];
      await route.arrived(2);
      // The scrape itself is in flight while it is answered: 2 held requests + 1.
      assert.equal(sample(await scrape(slow), "rampart_http_requests_in_flight"), 3);
      route.release();
      await Promise.all(pending);
      assert.equal(await inFlightBecomes(slow, 1), 1, "only the scrape itself");
    } finally {
      route.release();
      await slow.app.close();
    }
  });

  it("stops counting a request in flight when its client goes away before the response", async () => {
    const slow = await buildTestApp({ METRICS_TOKEN: TOKEN });
    const route = holdingRoute(slow);
    try {
      const base = await slow.app.listen({ host: "127.0.0.1", port: 0 });
      const aborter = new AbortController();
      const abandoned = fetch(`${base}/slow`, { signal: aborter.signal }).catch(() => "aborted");
      await route.arrived(1);
      assert.equal(sample(await scrape(slow), "rampart_http_requests_in_flight"), 2);
      aborter.abort();
      assert.equal(await abandoned, "aborted");
      // Still held by its handler, yet no longer in flight: the client is gone.
      assert.equal(await inFlightBecomes(slow, 1), 1, "only the scrape itself");
      // Its handler answers now, into a closed connection: the request is not uncounted twice.
      assert.equal(await inFlightAfterLateAnswer(slow, route), 1, "only the scrape itself");
    } finally {
      route.release();
      await slow.app.close();
    }
  });

  it("counts each request of a keep-alive connection once, however the connection ends", async () => {
    const slow = await buildTestApp({ METRICS_TOKEN: TOKEN });
    const route = holdingRoute(slow);
    try {
      const base = new URL(await slow.app.listen({ host: "127.0.0.1", port: 0 }));
      // One connection: three answered requests, then a fourth held when the connection closes.
      const socket = connect(Number(base.port), base.hostname);
      await once(socket, "connect");
      let received = "";
      socket.on("data", (chunk: Buffer) => {
        received += chunk.toString("latin1");
      });
      for (let i = 1; i <= 3; i++) {
        socket.write("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n");
        while ((received.match(/HTTP\/1\.1 200/g) ?? []).length < i) await once(socket, "data");
      }
      assert.equal(sample(await scrape(slow), "rampart_http_requests_in_flight"), 1, "the answered three are done");
      socket.write("GET /slow HTTP/1.1\r\nHost: localhost\r\n\r\n");
      await route.arrived(1);
      assert.equal(sample(await scrape(slow), "rampart_http_requests_in_flight"), 2);
      socket.destroy();
      assert.equal(await inFlightBecomes(slow, 1), 1, "the held request went with its connection");
      assert.equal(await inFlightAfterLateAnswer(slow, route), 1, "nothing counted twice");
    } finally {
      route.release();
      await slow.app.close();
    }
  });

  it("lets other areas add their own rampart_<area>_<name> metrics to the same registry", async () => {
    const metrics = new Registry();
    const other = await buildTestApp({ METRICS_TOKEN: TOKEN }, { metrics });
    try {
      const { Counter } = await import("prom-client");
      const rejected = new Counter({
        name: "rampart_example_rejections_total",
        help: "test",
        labelNames: ["tier"],
        registers: [metrics],
      });
      rejected.inc({ tier: "anonymous" });
      assert.equal(sample(await scrape(other), "rampart_example_rejections_total", { tier: "anonymous" }), 1);
    } finally {
      await other.app.close();
    }
  });
});

describe("metrics switched off or without a token", () => {
  it("answers 404 on the main port when no METRICS_TOKEN is set", async () => {
    const t = await buildTestApp();
    try {
      const res = await t.app.inject({ url: "/metrics", headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().code, "route.not_found");
    } finally {
      await t.app.close();
    }
  });

  it("ENABLE_METRICS=false serves nothing, even with a token and a metrics port, and records nothing", async () => {
    const metrics = new Registry();
    const t = await buildTestApp({ ENABLE_METRICS: "false", METRICS_TOKEN: TOKEN, METRICS_PORT: "0" }, { metrics });
    try {
      await t.app.ready();
      assert.equal(t.app.metricsListener, undefined);
      const res = await t.app.inject({ url: "/metrics", headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(res.statusCode, 404);
      await t.app.inject({ url: "/health" });
      // Other areas may register their metric families, but no request is measured.
      assert.doesNotMatch(await metrics.metrics(), /rampart_http_|process_cpu/);
    } finally {
      await t.app.close();
    }
  });
});

describe("metrics on METRICS_PORT", () => {
  it("serves /metrics without a token on the separate port, 404 elsewhere, and stops with the app", async () => {
    const t = await buildTestApp({ METRICS_PORT: "0" });
    await t.app.ready();
    const url = t.app.metricsListener?.url();
    assert.ok(url, "metrics port listening");
    await t.app.inject({ url: "/health" });
    const res = await fetch(`${url}/metrics`);
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.equal(
      sample(text, "rampart_http_request_duration_seconds_count", {
        method: "GET",
        route: "/health",
        status_class: "2xx",
      }),
      1,
    );
    assert.equal((await fetch(`${url}/health`)).status, 404);
    assert.equal((await t.app.inject({ url: "/metrics" })).statusCode, 404, "not on the main port without a token");
    assert.ok(t.logs.lines().some((l) => l.msg === "metrics listening" && l.address === url));
    await t.app.close();
    await assert.rejects(fetch(`${url}/metrics`), "closed with the app");
  });
});

describe("metrics settings", () => {
  it("refuses a METRICS_PORT equal to PORT on the same host, naming the setting", () => {
    assert.throws(
      () => loadConfig({ APP_ENV: "test", PORT: "8000", METRICS_PORT: "8000" }),
      (error: ConfigError) =>
        error.problems.some((p) => p.name === "METRICS_PORT" && /must differ from PORT/.test(p.message)),
    );
    assert.doesNotThrow(() => loadConfig({ APP_ENV: "test", PORT: "8000", METRICS_PORT: "9464" }));
  });

  it("refuses a short METRICS_TOKEN without printing it", () => {
    assert.throws(
      () => loadConfig({ APP_ENV: "test", METRICS_TOKEN: "short-tok" }),
      (error: ConfigError) =>
        error.problems.some((p) => p.name === "METRICS_TOKEN") && !JSON.stringify(error.problems).includes("short-tok"),
    );
  });
});

/** Timers, servers and sockets alive now; pending setImmediate callbacks are not resources that last. */
function lastingResources(): string[] {
  return process
    .getActiveResourcesInfo()
    .filter((r) => r !== "Immediate")
    .sort();
}

describe("metrics lifecycle", () => {
  it("leaves no timer, server or monitor behind when apps are built and closed, however many", async () => {
    // The first app creates the process-wide default metrics; later ones must add nothing that outlives them.
    const first = await buildTestApp({ METRICS_PORT: "0", METRICS_TOKEN: TOKEN });
    await first.app.ready();
    await first.app.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const before = lastingResources();
    for (let i = 0; i < 5; i++) {
      const t = await buildTestApp({ METRICS_PORT: "0", METRICS_TOKEN: TOKEN });
      await t.app.ready();
      await scrape(t);
      await t.app.close();
    }
    // Closed handles are released on a later turn of the event loop (later still on a loaded machine).
    await new Promise((resolve) => setTimeout(resolve, 250));
    assert.deepEqual(lastingResources(), before);
  });
});

describe("redis connection state", () => {
  it("reports a client that cannot connect as not ready", async () => {
    const logger = createLogger({ LOG_LEVEL: "silent", LOG_FORMAT: "json" });
    const client = createRedisClient(
      { url: "redis://127.0.0.1:1", connectTimeoutMs: 500, commandTimeoutMs: 50 },
      logger,
    );
    await connectRedis(client, 300, logger);
    const t = await buildTestApp({ METRICS_TOKEN: TOKEN }, { redis: client });
    try {
      const text = await scrape(t);
      assert.equal(sample(text, "rampart_redis_connection_state", { state: "ready" }), 0);
      const current = ["connecting", "reconnecting", "close"].map((state) =>
        sample(text, "rampart_redis_connection_state", { state }),
      );
      assert.equal(current.filter((v) => v === 1).length, 1);
    } finally {
      await t.app.close();
      await closeRedis(client);
    }
  });

  it("reports a connected client as ready", { skip: service.skip }, async () => {
    const client = new Redis(String(service.url), { lazyConnect: true });
    await client.connect();
    const t = await buildTestApp({ METRICS_TOKEN: TOKEN }, { redis: client });
    try {
      const text = await scrape(t);
      assert.equal(sample(text, "rampart_redis_connection_state", { state: "ready" }), 1);
      assert.equal(sample(text, "rampart_redis_connection_state", { state: "reconnecting" }), 0);
    } finally {
      await t.app.close();
      client.disconnect();
    }
  });

  it("is absent without Redis", async () => {
    const t = await buildTestApp({ METRICS_TOKEN: TOKEN });
    try {
      assert.equal(sample(await scrape(t), "rampart_redis_connection_state", { state: "ready" }), undefined);
    } finally {
      await t.app.close();
    }
  });
});
