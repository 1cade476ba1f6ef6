import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { buildTestApp, type TestApp } from "../../helpers/app.ts";

describe("request ids", () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp();
  });
  after(() => t.app.close());

  it("accepts a well-formed incoming X-Request-ID and echoes it", async () => {
    const res = await t.app.inject({ url: "/health", headers: { "x-request-id": "lb-7f3a.9_Z-1" } });
    assert.equal(res.headers["x-request-id"], "lb-7f3a.9_Z-1");
  });

  for (const bad of ["", "has space", "semi;colon", "x".repeat(129), "newline\nline"]) {
    it(`replaces a malformed incoming id (${JSON.stringify(bad).slice(0, 20)})`, async () => {
      const res = await t.app.inject({ url: "/health", headers: { "x-request-id": bad } });
      const id = String(res.headers["x-request-id"]);
      assert.notEqual(id, bad);
      assert.match(id, /^[0-9a-f-]{36}$/);
    });
  }

  it("generates one when none is sent, different per request", async () => {
    const a = await t.app.inject({ url: "/health" });
    const b = await t.app.inject({ url: "/health" });
    assert.match(String(a.headers["x-request-id"]), /^[0-9a-f-]{36}$/);
    assert.notEqual(a.headers["x-request-id"], b.headers["x-request-id"]);
  });

  it("puts the id on every log line of the request", async () => {
    await t.app.inject({ url: "/nowhere", headers: { "x-request-id": "trace-me-1" } });
    const lines = t.logs.lines().filter((l) => l.requestId === "trace-me-1");
    assert.ok(lines.some((l) => l.msg === "request completed" && l.status === 404 && l.route === "(unmatched)"));
  });
});
