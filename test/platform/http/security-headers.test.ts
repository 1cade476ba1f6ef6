import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Type } from "@sinclair/typebox";
import { buildTestApp, type TestApp } from "../../helpers/app.ts";

const EXPECTED = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "x-xss-protection": "0",
};

type Headers = Record<string, unknown>;

function assertSecurityHeaders(headers: Headers, where: string) {
  for (const [name, value] of Object.entries(EXPECTED)) assert.equal(headers[name], value, `${name} on ${where}`);
  const permissions = String(headers["permissions-policy"]);
  for (const feature of ["geolocation=()", "camera=()", "microphone=()", "payment=()", "usb=()"]) {
    assert.ok(permissions.includes(feature), `${feature} denied on ${where}`);
  }
  assert.equal(headers["x-powered-by"], undefined, `no x-powered-by on ${where}`);
  assert.equal(headers.server, undefined, `no server header on ${where}`);
}

async function appWithTestRoutes(env: Record<string, string> = {}): Promise<TestApp> {
  const t = await buildTestApp(env);
  t.app.post(
    "/test/items",
    {
      config: { access: "public" },
      schema: {
        operationId: "createItem",
        tags: ["test"],
        body: Type.Object({ name: Type.String() }),
        response: { 201: Type.Object({}) },
      },
    },
    async (_r, reply) => reply.code(201).send({}),
  );
  t.app.get(
    "/test/boom",
    {
      config: { access: "public" },
      schema: { operationId: "getBoom", tags: ["test"], response: { 200: Type.Object({}) } },
    },
    async () => {
      throw new Error("unexpected");
    },
  );
  t.app.get(
    "/test/cacheable",
    {
      config: { access: "public" },
      schema: { operationId: "getCacheable", tags: ["test"], response: { 200: Type.Object({}) } },
    },
    async (_r, reply) => reply.header("cache-control", "public, max-age=600").send({}),
  );
  t.app.get(
    "/test/docs",
    {
      config: {
        access: "public",
        securityHeaders: { contentSecurityPolicy: "default-src 'none'; script-src 'self'; frame-ancestors 'none'" },
      },
      schema: { operationId: "getDocsPage", tags: ["test"], response: { 200: Type.Object({ page: Type.String() }) } },
    },
    async () => ({ page: "docs" }),
  );
  await t.app.ready();
  return t;
}

describe("security headers", () => {
  let t: TestApp;
  before(async () => {
    t = await appWithTestRoutes();
  });
  after(() => t.app.close());

  it("are on success, 404, 422, 415 and 500 responses alike", async () => {
    const cases = [
      { status: 200, req: { method: "GET" as const, url: "/health" } },
      { status: 201, req: { method: "POST" as const, url: "/test/items", payload: { name: "x" } } },
      { status: 404, req: { method: "GET" as const, url: "/nowhere" } },
      { status: 422, req: { method: "POST" as const, url: "/test/items", payload: { nom: 1 } } },
      {
        status: 415,
        req: { method: "POST" as const, url: "/test/items", headers: { "content-type": "text/plain" }, payload: "x" },
      },
      { status: 500, req: { method: "GET" as const, url: "/test/boom" } },
    ];
    for (const { status, req } of cases) {
      const res = await t.app.inject(req);
      assert.equal(res.statusCode, status, `${req.method} ${req.url}`);
      assertSecurityHeaders(res.headers, `${status} ${req.url}`);
    }
  });

  it("sends no HSTS outside production (it would pin a developer's localhost to https)", async () => {
    const res = await t.app.inject({ method: "GET", url: "/health" });
    assert.equal(res.headers["strict-transport-security"], undefined);
  });

  it("marks responses to credentialed requests no-store, overriding a route's own caching", async () => {
    for (const credential of [{ authorization: "Bearer abc" }, { "x-api-key": "k" }, { cookie: "sid=1" }]) {
      const res = await t.app.inject({ method: "GET", url: "/test/cacheable", headers: credential });
      assert.equal(res.headers["cache-control"], "no-store", Object.keys(credential)[0]);
    }
    const anonymous = await t.app.inject({ method: "GET", url: "/test/cacheable" });
    assert.equal(anonymous.headers["cache-control"], "public, max-age=600");
    const failed = await t.app.inject({ method: "GET", url: "/nowhere", headers: { authorization: "Bearer abc" } });
    assert.equal(failed.headers["cache-control"], "no-store");
  });

  it("lets a route such as a docs page declare its own narrower policy", async () => {
    const res = await t.app.inject({ method: "GET", url: "/test/docs" });
    assert.equal(
      res.headers["content-security-policy"],
      "default-src 'none'; script-src 'self'; frame-ancestors 'none'",
    );
    assert.equal(res.headers["x-frame-options"], "DENY");
  });
});

describe("security headers in production", () => {
  it("add HSTS for a year including subdomains, on success and error", async () => {
    const t = await appWithTestRoutes({ APP_ENV: "production", CORS_ORIGINS: "https://app.example.com" });
    try {
      for (const url of ["/health", "/nowhere", "/test/boom"]) {
        const res = await t.app.inject({ method: "GET", url });
        assert.equal(res.headers["strict-transport-security"], "max-age=31536000; includeSubDomains", url);
        assertSecurityHeaders(res.headers, url);
      }
    } finally {
      await t.app.close();
    }
  });
});
