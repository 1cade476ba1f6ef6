import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Type } from "@sinclair/typebox";
import { buildTestApp, type TestApp } from "../helpers/app.ts";

const Thing = Type.Object({ name: Type.String() }, { additionalProperties: false });

/**
 * The contract check that test/helpers/app.ts puts on every test app: these routes break
 * their own declared contract in each way a handler can, and the inject that receives the
 * broken response must reject, failing the test that produced it.
 */
describe("every injected response is checked against the OpenAPI document", () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp();
    const route = (url: string, operationId: string, handler: (reply: never) => unknown) =>
      t.app.get(
        url,
        {
          config: { access: "public" },
          schema: { operationId, tags: ["test"], summary: operationId, security: [], response: { 200: Thing } },
        },
        async (_request, reply) => handler(reply as never),
      );
    route("/test/good", "getGood", () => ({ name: "ok" }));
    // A pre-serialized string skips Fastify's serializer, as a hand-built body would.
    route("/test/wrong-shape", "getWrongShape", (reply: { type(t: string): { send(b: string): unknown } }) =>
      reply.type("application/json").send('{"name":42,"extra":true}'),
    );
    route(
      "/test/undeclared-status",
      "getUndeclaredStatus",
      (reply: { code(c: number): { send(b: unknown): unknown } }) => reply.code(202).send({ name: "accepted" }),
    );
    route("/test/wrong-type", "getWrongType", (reply: { type(t: string): { send(b: string): unknown } }) =>
      reply.type("text/plain").send("name=ok"),
    );
    await t.app.ready();
  });
  after(() => t.app.close());

  it("passes a response that matches its operation", async () => {
    const res = await t.app.inject({ url: "/test/good" });
    assert.equal(res.statusCode, 200);
  });

  it("rejects a body that does not match the declared schema", async () => {
    await assert.rejects(t.app.inject({ url: "/test/wrong-shape" }), /breaks the API contract.*\/name must be string/);
  });

  it("rejects a status the operation does not declare", async () => {
    await assert.rejects(t.app.inject({ url: "/test/undeclared-status" }), /status 202 is not declared/);
  });

  it("rejects a content type the response does not declare", async () => {
    await assert.rejects(t.app.inject({ url: "/test/wrong-type" }), /content type text\/plain is not declared/);
  });

  it("checks the problems of unknown routes against the Problem schema", async () => {
    const res = await t.app.inject({ url: "/nowhere" });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().code, "route.not_found");
  });
});

describe("responses sent over a real socket", () => {
  it("that break the contract make closing the app fail, naming them", async () => {
    const t = await buildTestApp();
    t.app.get(
      "/test/teapot",
      {
        config: { access: "public" },
        schema: {
          operationId: "getTeapot",
          tags: ["test"],
          summary: "Teapot",
          security: [],
          response: { 200: Thing },
        },
      },
      // The route's types only allow its declared statuses; the cast is the bug under test.
      async (_request, reply) => reply.code(418 as 200).send({ name: "teapot" }),
    );
    const url = await t.app.listen({ host: "127.0.0.1", port: 0 });
    const res = await fetch(`${url}/test/teapot`);
    assert.equal(res.status, 418);
    await assert.rejects(t.app.close(), /GET \/test\/teapot → 418: status 418 is not declared/);
  });
});
