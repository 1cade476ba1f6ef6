import assert from "node:assert/strict";
import { describe, it } from "node:test";
import Fastify from "fastify";
import { installLegacyRoutes, legacyUrlRewrite } from "../../../src/platform/http/legacy-routes.ts";
import { addRouteHook } from "../../../src/platform/http/route-hooks.ts";

declare module "fastify" {
  interface FastifyContextConfig {
    stamp?: string;
  }
}

/**
 * An app whose "stamp" concern adds a route hook to the routes declaring `config.stamp`:
 * the hook appends the stamp to X-Stamps, so a response shows how often it ran and after what.
 */
function stampingApp() {
  const app = Fastify({ rewriteUrl: legacyUrlRewrite(true) });
  app.addHook("onRequest", (_request, reply, done) => {
    reply.header("x-stamps", "global");
    done();
  });
  addRouteHook(app, "onRequest", "stamp", (route) => {
    const stamp = route.config?.stamp;
    if (stamp === undefined) return undefined;
    return (_request, reply, done) => {
      reply.header("x-stamps", `${String(reply.getHeader("x-stamps"))},${stamp}`);
      done();
    };
  });
  installLegacyRoutes(app, true);
  app.get("/api/v1/stamped", { config: { stamp: "a" } }, async () => ({}));
  app.get("/api/v1/plain", async () => ({}));
  return app;
}

describe("route hooks", () => {
  it("run on the routes that declare their concern, after the global hooks of the phase", async () => {
    const app = stampingApp();
    try {
      assert.equal((await app.inject("/api/v1/stamped")).headers["x-stamps"], "global,a");
      assert.equal((await app.inject("/api/v1/plain")).headers["x-stamps"], "global");
    } finally {
      await app.close();
    }
  });

  it("run once on a legacy path (served by its v1 route) and on the HEAD twin", async () => {
    const app = stampingApp();
    try {
      const legacy = await app.inject("/api/stamped");
      assert.equal(legacy.statusCode, 200);
      assert.ok(legacy.headers.deprecation, "the legacy twin answered");
      assert.equal(legacy.headers["x-stamps"], "global,a");
      assert.equal((await app.inject({ method: "HEAD", url: "/api/v1/stamped" })).headers["x-stamps"], "global,a");
      assert.equal((await app.inject({ method: "HEAD", url: "/api/stamped" })).headers["x-stamps"], "global,a");
    } finally {
      await app.close();
    }
  });
});
