import assert from "node:assert/strict";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { describe, it } from "node:test";
import type { FastifyInstance } from "fastify";
import { DOCS_CONTENT_SECURITY_POLICY } from "../../../src/platform/openapi/docs.ts";
import { buildTestApp } from "../../helpers/app.ts";

const STRICT_API_POLICY = "default-src 'none'; frame-ancestors 'none'";

/**
 * Builds the app the way it will be once the strict application-wide CSP lands: a root
 * hook, added before any route, that puts `default-src 'none'` on every response.
 */
async function appWithGlobalCsp() {
  const addGlobalCsp = (message: unknown) => {
    const { fastify } = message as { fastify: FastifyInstance };
    fastify.addHook("onSend", (_request, reply, payload, done) => {
      reply.header("content-security-policy", STRICT_API_POLICY);
      done(null, payload);
    });
  };
  subscribe("fastify.initialization", addGlobalCsp);
  try {
    return await buildTestApp();
  } finally {
    unsubscribe("fastify.initialization", addGlobalCsp);
  }
}

describe("API docs at GET /docs", () => {
  it("serves Swagger UI whose every asset comes from this server, under the docs' own CSP", async () => {
    const { app } = await appWithGlobalCsp();
    const page = await app.inject({ url: "/docs" });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers["content-type"]), /^text\/html/);
    assert.equal(page.headers["content-security-policy"], DOCS_CONTENT_SECURITY_POLICY);
    // No third-party origin: every script and stylesheet is a path on this server.
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? "");
    assert.ok(assets.length >= 4);
    for (const asset of assets) {
      assert.match(asset, /^\/docs\/static\//, `${asset} is served locally`);
      const res = await app.inject({ url: asset });
      assert.equal(res.statusCode, 200, asset);
      assert.equal(res.headers["content-security-policy"], DOCS_CONTENT_SECURITY_POLICY, asset);
    }
    // The API keeps the strict policy: the docs' policy does not leak.
    const api = await app.inject({ url: "/health" });
    assert.equal(api.headers["content-security-policy"], STRICT_API_POLICY);
    await app.close();
  });

  it("loads the same document as /openapi.json", async () => {
    const { app } = await buildTestApp();
    const spec = await app.inject({ url: "/openapi.json" });
    const loadedByUi = await app.inject({ url: "/docs/json" });
    assert.equal(loadedByUi.statusCode, 200);
    assert.deepEqual(loadedByUi.json(), spec.json());
    await app.close();
  });

  it("is off in production unless ENABLE_DOCS=true; the document itself is always served", async () => {
    const production = await buildTestApp({ APP_ENV: "production" });
    const res = await production.app.inject({ url: "/docs" });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().code, "route.not_found");
    assert.equal((await production.app.inject({ url: "/openapi.json" })).statusCode, 200);
    await production.app.close();

    const enabled = await buildTestApp({ APP_ENV: "production", ENABLE_DOCS: "true" });
    assert.equal((await enabled.app.inject({ url: "/docs" })).statusCode, 200);
    await enabled.app.close();

    const disabled = await buildTestApp({ APP_ENV: "development", ENABLE_DOCS: "false" });
    assert.equal((await disabled.app.inject({ url: "/docs" })).statusCode, 404);
    await disabled.app.close();
  });
});
