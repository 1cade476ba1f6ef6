import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { ReadinessCheck } from "../../../src/platform/health/readiness.ts";
import { buildTestApp } from "../../helpers/app.ts";

const ok = (name: string, required = true): ReadinessCheck => ({ name, required, check: async () => {} });
const failing = (name: string, required: boolean): ReadinessCheck => ({
  name,
  required,
  check: async () => {
    throw new Error(`${name} refused the connection`);
  },
});
const hanging = (name: string): ReadinessCheck => ({
  name,
  required: true,
  check: (signal) => new Promise((_, reject) => signal.addEventListener("abort", () => reject(new Error("aborted")))),
});

describe("health probes", () => {
  it("GET /health answers status, version and uptime", async () => {
    const { app } = await buildTestApp();
    const res = await app.inject({ url: "/health" });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.status, "ok");
    assert.match(body.version, /^\d+\.\d+\.\d+/);
    assert.equal(typeof body.uptimeSeconds, "number");
    await app.close();
  });

  it("GET /health/live answers 200 with the measured event-loop lag", async () => {
    const { app } = await buildTestApp();
    const res = await app.inject({ url: "/health/live" });
    assert.equal(res.statusCode, 200);
    assert.equal(typeof res.json().eventLoopLagMs, "number");
    await app.close();
  });

  it("GET /health/ready is 200 when every required check passes", async () => {
    const { app } = await buildTestApp({}, { readinessChecks: [ok("database"), ok("redis", false)] });
    const res = await app.inject({ url: "/health/ready" });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().status, "ready");
    assert.equal(res.json().checks.database.status, "ok");
    await app.close();
  });

  it("GET /health/ready is 503 with per-check detail when a required check fails", async () => {
    const { app } = await buildTestApp({}, { readinessChecks: [failing("database", true), ok("redis", false)] });
    const res = await app.inject({ url: "/health/ready" });
    assert.equal(res.statusCode, 503);
    const body = res.json();
    assert.equal(body.status, "not_ready");
    assert.equal(body.checks.database.status, "failed");
    assert.equal(body.checks.database.error, "database refused the connection");
    assert.equal(body.checks.redis.status, "ok");
    await app.close();
  });

  it("an optional dependency failing is reported as degraded, still 200", async () => {
    const { app } = await buildTestApp({}, { readinessChecks: [ok("database"), failing("redis", false)] });
    const res = await app.inject({ url: "/health/ready" });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().checks.redis.status, "degraded");
    await app.close();
  });

  it("a check that hangs fails after READINESS_TIMEOUT_MS instead of hanging the probe", async () => {
    const { app } = await buildTestApp({ READINESS_TIMEOUT_MS: "100" }, { readinessChecks: [hanging("database")] });
    const started = Date.now();
    const res = await app.inject({ url: "/health/ready" });
    assert.equal(res.statusCode, 503);
    assert.match(res.json().checks.database.error, /no answer within 100 ms/);
    assert.ok(Date.now() - started < 2000);
    await app.close();
  });

  it("GET /health/ready is 503 as soon as draining begins, without running checks", async () => {
    let called = 0;
    const counting: ReadinessCheck = { name: "database", required: true, check: async () => void called++ };
    const { app } = await buildTestApp({}, { readinessChecks: [counting] });
    app.lifecycle.draining = true;
    const res = await app.inject({ url: "/health/ready" });
    assert.equal(res.statusCode, 503);
    assert.equal(res.json().status, "shutting_down");
    assert.equal(called, 0);
    await sleep(1);
    await app.close();
  });
});
