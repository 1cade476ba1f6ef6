import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Type } from "@sinclair/typebox";
import { MAX_FIELD_ERRORS, MAX_TARGET_EXCERPT } from "../../../src/platform/errors/error-handler.ts";
import { buildTestApp, type TestApp } from "../../helpers/app.ts";

describe("every 4xx is a problem, never larger than the request deserves", () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp();
    t.app.post(
      "/test/strict",
      {
        config: { access: "public" },
        schema: {
          operationId: "testStrict",
          tags: ["test"],
          body: Type.Object({ name: Type.String() }, { additionalProperties: false }),
          response: { 200: Type.Object({}) },
        },
      },
      async () => ({}),
    );
    await t.app.ready();
  });
  after(() => t.app.close());

  for (const segment of ["%zz", "%c0%ae", "%ff", "%"]) {
    it(`answers a malformed percent-encoding (${segment}) in the path with a 400 problem`, async () => {
      const res = await t.app.inject({ method: "GET", url: `/api/v1/companies/${segment}/members` });
      assert.equal(res.statusCode, 400);
      assert.match(String(res.headers["content-type"]), /^application\/problem\+json/);
      assert.equal(res.json().code, "request.malformed_url");
      assert.ok(res.headers["x-request-id"]);
      assert.doesNotMatch(res.body, /FST_|Bad Request","code"/);
    });
  }

  it("answers an 8,000-character path parameter with a 414 problem that does not echo it", async () => {
    const long = "a".repeat(8000);
    const res = await t.app.inject({ method: "GET", url: `/api/v1/companies/${long}/members` });
    assert.equal(res.statusCode, 414);
    assert.match(String(res.headers["content-type"]), /^application\/problem\+json/);
    assert.equal(res.json().code, "request.uri_too_long");
    assert.ok(res.body.length < 1000, `answer of ${res.body.length} bytes`);
  });

  it("echoes at most a short excerpt of an unknown long path", async () => {
    const long = `/nowhere/${"b".repeat(8000)}`;
    const res = await t.app.inject({ method: "GET", url: long });
    assert.equal(res.statusCode, 404);
    const problem = res.json();
    assert.ok(problem.instance.length <= MAX_TARGET_EXCERPT + 1);
    assert.ok(res.body.length < 1000, `answer of ${res.body.length} bytes`);
  });

  it("lists the first invalid fields of a body with 60,000 unknown properties, and how many there were", async () => {
    const body = JSON.stringify(Object.fromEntries(Array.from({ length: 60_000 }, (_, i) => [`p${i}`, 1])));
    const res = await t.app.inject({
      method: "POST",
      url: "/test/strict",
      headers: { "content-type": "application/json" },
      payload: body,
    });
    assert.equal(res.statusCode, 422);
    const problem = res.json();
    assert.equal(problem.errors.length, MAX_FIELD_ERRORS);
    assert.equal(problem.errorCount, 60_001, "every unknown property and the missing name");
    assert.ok(res.body.length < 5000, `answer of ${res.body.length} bytes for a ${body.length}-byte request`);
  });

  it("lists every invalid field when there are few", async () => {
    const res = await t.app.inject({
      method: "POST",
      url: "/test/strict",
      payload: { name: { not: "a string" }, extra: true },
    });
    assert.equal(res.statusCode, 422);
    assert.equal(res.json().errors.length, 2);
    assert.equal(res.json().errorCount, undefined);
  });
});
