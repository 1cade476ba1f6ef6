import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { NotFoundError, UnauthorizedError } from "../../../src/platform/errors/app-error.ts";
import { isLegacyPath } from "../../../src/platform/http/legacy-routes.ts";
import { problemResponses } from "../../../src/platform/openapi/problem-responses.ts";
import { buildTestApp } from "../../helpers/app.ts";

const Widget = Type.Object({ id: Type.Integer(), name: Type.String() }, { additionalProperties: false });

/**
 * A test-only module under /api/v1 with its own encapsulated hook (standing in for
 * authentication), so the tests can tell whether the legacy twin inherits it.
 */
async function widgetRoutes(app: FastifyInstance): Promise<void> {
  app.addHook("onRequest", async (request) => {
    if (request.headers["x-test-key"] !== "k") throw new UnauthorizedError("auth.missing", "Send X-Test-Key.");
  });
  app.get(
    "/:id",
    {
      config: { access: "public" },
      schema: {
        operationId: "getWidget",
        tags: ["test"],
        summary: "Read a widget",
        security: [{ apiKey: [] }],
        params: Type.Object({ id: Type.Integer() }),
        response: { 200: Widget, ...problemResponses(404) },
      },
    },
    async (request) => {
      const { id } = request.params as { id: number };
      if (id === 404) throw new NotFoundError("widget.not_found", `Widget ${id} does not exist.`);
      return { id, name: `widget ${id}` };
    },
  );
  app.post(
    "/",
    {
      config: { access: "public" },
      schema: {
        operationId: "createWidget",
        tags: ["test"],
        summary: "Create a widget",
        security: [{ apiKey: [] }],
        body: Type.Object({ name: Type.String() }),
        response: { 201: Widget },
      },
    },
    async (request, reply) => reply.code(201).send({ id: 1, name: (request.body as { name: string }).name }),
  );
}

async function appWithWidgets(env: Record<string, string> = {}) {
  const t = await buildTestApp(env);
  await t.app.register(widgetRoutes, { prefix: "/api/v1/widgets" });
  // Registered directly with its full path, no prefix: the twin must appear all the same.
  t.app.get(
    "/api/v1/ping",
    {
      config: { access: "public" },
      schema: {
        operationId: "getPing",
        tags: ["test"],
        summary: "Ping",
        security: [],
        response: { 200: Type.Object({ pong: Type.Boolean() }) },
      },
    },
    async () => ({ pong: true }),
  );
  await t.app.ready();
  return t;
}

const key = { "x-test-key": "k" };

describe("legacy unversioned routes (ENABLE_LEGACY_ROUTES)", () => {
  it("answer every /api/v1 route at /api with the same status and body", async () => {
    const { app } = await appWithWidgets();
    for (const url of ["/widgets/7", "/ping"]) {
      const v1 = await app.inject({ url: `/api/v1${url}`, headers: key });
      const legacy = await app.inject({ url: `/api${url}`, headers: key });
      assert.equal(v1.statusCode, 200);
      assert.equal(legacy.statusCode, 200);
      assert.deepEqual(legacy.json(), v1.json());
    }
    const created = await app.inject({ method: "POST", url: "/api/widgets", headers: key, payload: { name: "w" } });
    assert.equal(created.statusCode, 201);
    assert.deepEqual(created.json(), { id: 1, name: "w" });
    await app.close();
  });

  it("mark legacy answers with Deprecation (RFC 9745), Sunset (RFC 8594) and a Link to the v1 successor", async () => {
    const { app } = await appWithWidgets();
    const legacy = await app.inject({ url: "/api/widgets/7?token=secret", headers: key });
    assert.equal(legacy.headers.deprecation, "@1767225600");
    assert.equal(legacy.headers.sunset, "Fri, 01 Jan 2027 00:00:00 GMT");
    assert.equal(legacy.headers.link, '</api/v1/widgets/7>; rel="successor-version"');
    // A path cannot close the URI and add parameters or links of its own.
    const hostile = await app.inject({ url: '/api/widgets/x>;rel="preload";as="style",<evil.css', headers: key });
    assert.equal(
      hostile.headers.link,
      '</api/v1/widgets/x%3E%3Brel%3D%22preload%22%3Bas%3D%22style%22%2C%3Cevil.css>; rel="successor-version"',
    );
    const escaped = await app.inject({ url: "/api/widgets/a%20b", headers: key });
    assert.equal(escaped.headers.link, '</api/v1/widgets/a%20b>; rel="successor-version"');
    const v1 = await app.inject({ url: "/api/v1/widgets/7", headers: key });
    assert.equal(v1.headers.deprecation, undefined);
    assert.equal(v1.headers.sunset, undefined);
    assert.equal(v1.headers.link, undefined);
    await app.close();
  });

  it("run the v1 module's own hooks and errors, and mark its problems as deprecated too", async () => {
    const { app } = await appWithWidgets();
    const anonymous = await app.inject({ url: "/api/widgets/7" });
    assert.equal(anonymous.statusCode, 401);
    assert.equal(anonymous.json().code, "auth.missing");
    assert.equal(anonymous.headers.deprecation, "@1767225600");
    const missing = await app.inject({ url: "/api/widgets/404", headers: key });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().code, "widget.not_found");
    assert.equal(missing.json().instance, "/api/widgets/404");
    const invalid = await app.inject({ url: "/api/widgets/abc", headers: key });
    assert.equal(invalid.statusCode, 422);
    await app.close();
  });

  it("are deprecated operations in the document, with the Legacy operationId suffix", async () => {
    const { app } = await appWithWidgets();
    const { paths } = (await app.inject({ url: "/openapi.json" })).json();
    assert.equal(paths["/api/v1/widgets/{id}"].get.operationId, "getWidget");
    assert.equal(paths["/api/v1/widgets/{id}"].get.deprecated, undefined);
    assert.equal(paths["/api/widgets/{id}"].get.operationId, "getWidgetLegacy");
    assert.equal(paths["/api/widgets/{id}"].get.deprecated, true);
    assert.equal(paths["/api/widgets"].post.operationId, "createWidgetLegacy");
    assert.equal(paths["/api/ping"].get.operationId, "getPingLegacy");
    for (const response of Object.values(paths["/api/widgets/{id}"].get.responses) as { headers: object }[]) {
      assert.deepEqual(Object.keys(response.headers), ["Deprecation", "Sunset", "Link"]);
    }
    assert.equal(paths["/api/v1/widgets/{id}"].get.responses["200"].headers, undefined);
    await app.close();
  });

  it("do not exist when ENABLE_LEGACY_ROUTES=false", async () => {
    const { app } = await appWithWidgets({ ENABLE_LEGACY_ROUTES: "false" });
    const legacy = await app.inject({ url: "/api/widgets/7", headers: key });
    assert.equal(legacy.statusCode, 404);
    assert.equal(legacy.json().code, "route.not_found");
    assert.equal((await app.inject({ url: "/api/v1/widgets/7", headers: key })).statusCode, 200);
    const { paths } = (await app.inject({ url: "/openapi.json" })).json();
    assert.deepEqual(
      Object.keys(paths).filter((path) => path.startsWith("/api/") && !path.startsWith("/api/v1/")),
      [],
    );
    await app.close();
  });

  it("are served by their /api/v1 route: the request line names the path called and the route that served it", async () => {
    const t = await appWithWidgets();
    await t.app.inject({ url: "/api/widgets/7?token=secret", headers: key });
    const line = t.logs.lines().find((l) => l.msg === "request completed" && l.path === "/api/widgets/7");
    assert.equal(line?.route, "/api/v1/widgets/:id");
    assert.equal(line?.status, 200);
    await t.app.close();
  });

  it("answer an unknown unversioned path with a plain 404 naming that path, not marked deprecated", async () => {
    const { app } = await appWithWidgets();
    const unknown = await app.inject({ url: "/api/nothing-here", headers: key });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().code, "route.not_found");
    assert.equal(unknown.json().instance, "/api/nothing-here");
    assert.equal(unknown.headers.deprecation, undefined);
    assert.equal(unknown.headers.link, undefined);
    await app.close();
  });

  it("are exactly the /api/... paths outside /api/v1", () => {
    for (const path of ["/api/widgets", "/api/widgets/7?x=1", "/api/v1x", "/api/v10/widgets", "/api/"])
      assert.equal(isLegacyPath(path), true, path);
    for (const path of ["/api/v1", "/api/v1/", "/api/v1/widgets", "/api/v1?x=1", "/api", "/apix", "/health", "/"])
      assert.equal(isLegacyPath(path), false, path);
  });

  it("answer HEAD like their GET twin", async () => {
    const { app } = await appWithWidgets();
    const head = await app.inject({ method: "HEAD", url: "/api/widgets/7", headers: key });
    assert.equal(head.statusCode, 200);
    assert.equal(head.headers.deprecation, "@1767225600");
    await app.close();
  });
});
