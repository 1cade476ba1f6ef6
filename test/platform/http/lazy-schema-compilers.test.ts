import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import Fastify from "fastify";
import { lazySchemaCompilers } from "../../../src/platform/http/lazy-schema-compilers.ts";
import { buildTestApp } from "../../helpers/app.ts";

describe("route schemas compile on first use", () => {
  it("every schema of every route of the whole app compiles (what start-up used to prove)", async () => {
    const { app } = await buildTestApp({ ENABLE_DOCS: "true" });
    after(() => app.close());
    await app.ready();
    const compiled = app.compileDeferredSchemas();
    // Request validators and response serializers of ~60 routes: far more than a handful.
    assert.ok(compiled > 150, `compiled ${compiled} schemas`);
    assert.equal(app.compileDeferredSchemas(), 0, "nothing is left to compile, and nothing compiles twice");
  });

  it("a schema that cannot compile is found by compileAll, not by a user's request", async () => {
    const compilers = lazySchemaCompilers();
    const app = Fastify({ schemaController: { compilersFactory: compilers.factory } });
    after(() => app.close());
    app.post(
      "/broken",
      { schema: { body: { type: "object", properties: { a: { $ref: "#/definitions/missing" } } } } },
      async () => ({}),
    );
    await app.ready();
    assert.throws(() => compilers.compileAll(), /missing/);
  });

  it("validates, reports every error and serializes exactly as an eagerly compiled route does", async () => {
    const route = {
      schema: {
        body: {
          type: "object",
          required: ["name", "count"],
          additionalProperties: false,
          properties: { name: { type: "string", minLength: 2 }, count: { type: "integer" } },
        },
        response: { 200: { type: "object", properties: { name: { type: "string" } } } },
      },
    };
    const answers = [];
    for (const factory of [undefined, lazySchemaCompilers().factory]) {
      const app = Fastify({
        ...(factory ? { schemaController: { compilersFactory: factory } } : {}),
        ajv: { customOptions: { allErrors: true } },
      });
      app.post("/things", route, async (request) => ({ ...(request.body as object), secret: "not serialized" }));
      const bad = await app.inject({ method: "POST", url: "/things", payload: { name: "x", extra: 1 } });
      const good = await app.inject({ method: "POST", url: "/things", payload: { name: "xy", count: 2 } });
      answers.push({ bad: [bad.statusCode, bad.json().message], good: [good.statusCode, good.body] });
      await app.close();
    }
    assert.deepEqual(answers[1], answers[0]);
    assert.equal(answers[0]?.bad[0], 400);
    assert.equal(answers[0]?.good[1], '{"name":"xy"}');
  });
});
