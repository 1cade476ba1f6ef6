import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import packageJson from "../../../package.json" with { type: "json" };
import { buildTestApp, type TestApp } from "../../helpers/app.ts";

type Operation = {
  operationId?: string;
  tags?: string[];
  summary?: string;
  security?: unknown[];
  deprecated?: boolean;
  responses: Record<string, { description?: string; content?: Record<string, { schema?: { $ref?: string } }> }>;
};
type Document = {
  openapi: string;
  info: { title: string; version: string };
  servers: { url: string }[];
  tags: { name: string; description?: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, Record<string, unknown>> };
};

const HTTP_METHODS = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);

function operationsOf(document: Document): [string, Operation][] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.has(method))
      .map(([method, operation]) => [`${method.toUpperCase()} ${path}`, operation] as [string, Operation]),
  );
}

describe("the OpenAPI document at GET /openapi.json", () => {
  let t: TestApp;
  let document: Document;
  before(async () => {
    t = await buildTestApp();
    const res = await t.app.inject({ url: "/openapi.json" });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers["content-type"]), /^application\/json/);
    document = res.json();
  });
  after(() => t.app.close());

  it("is OpenAPI 3.1 describing Rampart at the package version, with servers", () => {
    assert.equal(document.openapi, "3.1.0");
    assert.equal(document.info.title, "Rampart");
    assert.equal(document.info.version, packageJson.version);
    assert.deepEqual(
      document.servers.map((s) => s.url),
      ["/"],
    );
  });

  it("declares the bearer JWT and X-API-Key security schemes", () => {
    assert.deepEqual(
      { ...document.components.securitySchemes.bearerAuth, description: undefined },
      { type: "http", scheme: "bearer", bearerFormat: "JWT", description: undefined },
    );
    assert.equal(document.components.securitySchemes.apiKey?.type, "apiKey");
    assert.equal(document.components.securitySchemes.apiKey?.in, "header");
    assert.equal(document.components.securitySchemes.apiKey?.name, "X-API-Key");
  });

  it("names the shared schemas as components and references them, instead of inlining anonymous copies", () => {
    for (const name of ["Problem", "FieldError", "Health", "Liveness", "Readiness", "ReadinessCheckResult"]) {
      assert.ok(document.components.schemas[name], `components.schemas.${name}`);
    }
    assert.deepEqual(
      Object.keys(document.components.schemas).filter((name) => name.startsWith("def-")),
      [],
    );
    const health = document.paths["/health"]?.get;
    assert.deepEqual(health?.responses["200"]?.content?.["application/json"]?.schema, {
      $ref: "#/components/schemas/Health",
    });
    const problem = JSON.stringify(document.components.schemas.Problem);
    assert.match(problem, /"\$ref":"#\/components\/schemas\/FieldError"/);
  });

  it("gives every operation a unique camelCase operationId, a declared tag, a summary and its security", () => {
    const declaredTags = new Map(document.tags.map((tag) => [tag.name, tag.description]));
    const seen = new Set<string>();
    const operations = operationsOf(document);
    assert.ok(operations.length >= 3);
    for (const [where, operation] of operations) {
      assert.match(operation.operationId ?? "", /^[a-z][a-zA-Z0-9]*$/, `${where} operationId`);
      assert.ok(!seen.has(operation.operationId ?? ""), `${where} operationId is unique`);
      seen.add(operation.operationId ?? "");
      assert.ok((operation.tags?.length ?? 0) > 0, `${where} has a tag`);
      for (const tag of operation.tags ?? [])
        assert.ok(declaredTags.get(tag), `${where} tag ${tag} is declared with a description`);
      assert.ok(operation.summary, `${where} has a summary`);
      assert.ok(Array.isArray(operation.security), `${where} declares security ([] when public)`);
    }
  });

  it("answers every operation's 4xx and 500 with the Problem schema as application/problem+json", () => {
    for (const [where, operation] of operationsOf(document)) {
      for (const status of ["429", "500"]) assert.ok(operation.responses[status], `${where} declares ${status}`);
      for (const [status, response] of Object.entries(operation.responses)) {
        assert.ok(response.description, `${where} ${status} has a description`);
        if (!(status.startsWith("4") || status === "500")) continue;
        assert.deepEqual(Object.keys(response.content ?? {}), ["application/problem+json"], `${where} ${status}`);
        assert.deepEqual(response.content?.["application/problem+json"]?.schema, {
          $ref: "#/components/schemas/Problem",
        });
      }
    }
  });

  it("references every schema component it defines (what Redocly's disabled no-unused-components would catch)", () => {
    const text = JSON.stringify({ paths: document.paths, components: document.components });
    for (const name of Object.keys(document.components.schemas)) {
      assert.ok(text.includes(`"#/components/schemas/${name}"`), `${name} is referenced`);
    }
  });

  it("versions every API operation under /api/v1: outside it only the probes, the JWKS and deprecated legacy twins", () => {
    const unversioned = new Set(["/health", "/health/live", "/health/ready", "/.well-known/jwks.json"]);
    for (const [key, operation] of operationsOf(document)) {
      const path = key.slice(key.indexOf(" ") + 1);
      if (path.startsWith("/api/v1/")) continue;
      if (path.startsWith("/api/")) assert.equal(operation.deprecated, true, `${key} is a deprecated legacy twin`);
      else assert.ok(unversioned.has(path), `${key} is outside /api/v1`);
    }
  });

  it("leaves out the endpoints that are not API: the document itself and the docs", () => {
    for (const path of Object.keys(document.paths)) assert.doesNotMatch(path, /^\/(openapi\.json|docs)/);
  });
});
