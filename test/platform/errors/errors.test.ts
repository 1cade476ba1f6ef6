import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Type } from "@sinclair/typebox";
import { NotFoundError } from "../../../src/platform/errors/app-error.ts";
import { problemResponses } from "../../../src/platform/openapi/problem-responses.ts";
import { buildTestApp, type TestApp } from "../../helpers/app.ts";

describe("errors are RFC 9457 problems", () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp();
    const body = Type.Object(
      { name: Type.String({ minLength: 2 }), age: Type.Integer({ minimum: 0 }) },
      { additionalProperties: false },
    );
    t.app.post(
      "/test/items",
      {
        config: { access: "public" },
        schema: { operationId: "createTestItem", tags: ["test"], body, response: { 201: Type.Object({}) } },
      },
      async (_req, reply) => reply.code(201).send({}),
    );
    t.app.get(
      "/test/missing",
      {
        config: { access: "public" },
        schema: {
          operationId: "getMissing",
          tags: ["test"],
          response: { 200: Type.Object({}), ...problemResponses(404) },
        },
      },
      async () => {
        throw new NotFoundError("item.not_found", "Item 42 does not exist.");
      },
    );
    t.app.get(
      "/test/boom",
      {
        config: { access: "public" },
        schema: { operationId: "getBoom", tags: ["test"], response: { 200: Type.Object({}) } },
      },
      async () => {
        throw new Error("database password is hunter2 at /srv/secret.ts:12");
      },
    );
    await t.app.ready();
  });
  after(() => t.app.close());

  function assertProblem(res: { headers: Record<string, unknown>; json(): Record<string, unknown> }, status: number) {
    assert.match(String(res.headers["content-type"]), /^application\/problem\+json/);
    const body = res.json();
    assert.equal(body.status, status);
    assert.equal(typeof body.title, "string");
    assert.match(String(body.type), /^urn:rampart:problem:/);
    assert.equal(body.requestId, res.headers["x-request-id"]);
    return body;
  }

  it("answers an unknown route with a 404 problem", async () => {
    const res = await t.app.inject({ method: "GET", url: "/nowhere?token=abc" });
    assert.equal(res.statusCode, 404);
    const body = assertProblem(res, 404);
    assert.equal(body.code, "route.not_found");
    assert.equal(body.instance, "/nowhere");
  });

  it("answers a body sent to an unknown route with 404, not a parse error", async () => {
    const res = await t.app.inject({
      method: "POST",
      url: "/nowhere",
      headers: { "content-type": "application/json" },
      payload: "{",
    });
    assert.equal(res.statusCode, 404);
  });

  it("answers malformed JSON with a 400 problem that names no framework", async () => {
    const res = await t.app.inject({
      method: "POST",
      url: "/test/items",
      headers: { "content-type": "application/json" },
      payload: '{"name": "ab",',
    });
    assert.equal(res.statusCode, 400);
    const body = assertProblem(res, 400);
    assert.equal(body.code, "request.malformed_json");
    assert.doesNotMatch(res.body, /fastify|FST_|SyntaxError|at .*\.js/i);
  });

  it("answers an unsupported content type with a 415 problem", async () => {
    const res = await t.app.inject({
      method: "POST",
      url: "/test/items",
      headers: { "content-type": "text/plain" },
      payload: "name=ab",
    });
    assert.equal(res.statusCode, 415);
    assert.equal(assertProblem(res, 415).code, "request.unsupported_media_type");
  });

  it("answers schema violations with 422 and one { path, message } per invalid field", async () => {
    const res = await t.app.inject({ method: "POST", url: "/test/items", payload: { name: "a", extra: true } });
    assert.equal(res.statusCode, 422);
    const body = assertProblem(res, 422);
    assert.equal(body.code, "request.validation_failed");
    const paths = (body.errors as { path: string; message: string }[]).map((e) => e.path).sort();
    assert.deepEqual(paths, ["/body/age", "/body/extra", "/body/name"]);
  });

  it("maps a typed domain error to its status and stable code", async () => {
    const res = await t.app.inject({ method: "GET", url: "/test/missing" });
    assert.equal(res.statusCode, 404);
    const body = assertProblem(res, 404);
    assert.equal(body.code, "item.not_found");
    assert.equal(body.detail, "Item 42 does not exist.");
  });

  it("answers an unexpected error with a generic 500 and logs the stack with the request id", async () => {
    const res = await t.app.inject({ method: "GET", url: "/test/boom", headers: { "x-request-id": "boom-1" } });
    assert.equal(res.statusCode, 500);
    const body = assertProblem(res, 500);
    assert.equal(body.code, "internal");
    assert.doesNotMatch(res.body, /hunter2|secret\.ts|\bat\b.*:\d+/);
    const logged = t.logs.lines().find((l) => l.msg === "unhandled error");
    assert.ok(logged, "the error is logged");
    assert.equal(logged.requestId, "boom-1");
    assert.match(String((logged.err as { stack: string }).stack), /Error: database password/);
  });
});
