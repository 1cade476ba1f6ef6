import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Type } from "@sinclair/typebox";
import { buildTestApp, type TestApp } from "../../helpers/app.ts";

describe("logging", () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp({ SLOW_REQUEST_MS: "250" });
    t.app.post(
      "/test/login",
      {
        config: { access: "public" },
        schema: {
          operationId: "testLogin",
          tags: ["test"],
          body: Type.Object({ email: Type.String(), password: Type.String() }),
          response: { 200: Type.Object({ ok: Type.Boolean() }) },
        },
      },
      async (request) => {
        // A handler that carelessly logs its input must still not leak the credential.
        request.log.info({ body: request.body, headers: request.headers }, "login attempt");
        return { ok: true };
      },
    );
    t.app.get(
      "/test/slow",
      {
        config: { access: "public" },
        schema: { operationId: "testSlow", tags: ["test"], response: { 200: Type.Object({}) } },
      },
      async () => {
        await sleep(400);
        return {};
      },
    );
    t.app.get(
      "/test/quiet",
      {
        config: { access: "public" },
        logLevel: "warn",
        schema: { operationId: "testQuiet", tags: ["test"], response: { 200: Type.Object({}) } },
      },
      async (request) => {
        request.log.info("quiet route: info");
        request.log.child({ step: "lookup" }).warn("quiet route: warn from a child");
        return {};
      },
    );
    await t.app.ready();
  });
  after(() => t.app.close());

  it("writes one JSON line per request with method, route, status and duration", async () => {
    await t.app.inject({ url: "/.well-known/jwks.json", headers: { "x-request-id": "log-line-1" } });
    const line = t.logs.lines().find((l) => l.requestId === "log-line-1" && l.msg === "request completed");
    assert.ok(line);
    assert.equal(line.level, "info");
    assert.equal(line.method, "GET");
    assert.equal(line.route, "/.well-known/jwks.json");
    assert.equal(line.status, 200);
    assert.equal(typeof line.durationMs, "number");
  });

  it("does not log successful health probes (balancers send one every few seconds)", async () => {
    for (const url of ["/health", "/health/live", "/health/ready"]) {
      const res = await t.app.inject({ url, headers: { "x-request-id": `probe-${url}` } });
      assert.equal(res.statusCode, 200);
      assert.ok(!t.logs.lines().some((l) => l.requestId === `probe-${url}`), url);
    }
  });

  it("redacts the Authorization header, cookies and fields named like password/token/secret", async () => {
    const token = "eyJhbGciOiJSUzI1NiJ9.super-secret-access-token.sig";
    await t.app.inject({
      method: "POST",
      url: "/test/login?token=querytoken123",
      headers: { authorization: `Bearer ${token}`, cookie: "rt=refresh-cookie-value", "x-request-id": "redact-1" },
      payload: { email: "a@example.com", password: "correct horse battery staple" },
    });
    const text = t.logs.text();
    assert.ok(t.logs.lines().some((l) => l.requestId === "redact-1" && l.msg === "login attempt"));
    assert.ok(!text.includes(token), "bearer token not logged");
    assert.ok(!text.includes("refresh-cookie-value"), "cookie not logged");
    assert.ok(!text.includes("correct horse battery staple"), "password not logged");
    assert.ok(!text.includes("querytoken123"), "query string not logged");
    assert.match(text, /"password":"\[REDACTED\]"/);
  });

  it("keeps a route's own level: its warn lines are written with the request id, its info lines are not", async () => {
    await t.app.inject({ url: "/test/quiet", headers: { "x-request-id": "quiet-1" } });
    const lines = t.logs.lines().filter((l) => l.requestId === "quiet-1");
    assert.deepEqual(
      lines.map((l) => [l.level, l.msg, l.step]),
      [["warn", "quiet route: warn from a child", "lookup"]],
    );
  });

  it("logs requests slower than SLOW_REQUEST_MS at warn", async () => {
    await t.app.inject({ url: "/test/slow", headers: { "x-request-id": "slow-1" } });
    const line = t.logs.lines().find((l) => l.requestId === "slow-1" && l.route === "/test/slow");
    assert.ok(line);
    assert.equal(line.level, "warn");
    assert.equal(line.slow, true);
  });
});
