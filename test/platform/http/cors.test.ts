import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { ConfigError, loadConfig } from "../../../src/config/load.ts";
import { buildTestApp, type TestApp, testProductionSigningKey } from "../../helpers/app.ts";
import { PRODUCTION_WEBAUTHN, TEST_ENCRYPTION_KEY } from "../../helpers/config.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;
const APP = "https://app.example.com";
const EVIL = "https://evil.example.net";

function corsHeaders(headers: Record<string, unknown>): string[] {
  return Object.keys(headers).filter((h) => h.startsWith("access-control-allow-"));
}

describe("CORS", () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp({ CORS_ORIGINS: `${APP}, https://admin.example.com` });
  });
  after(() => t.app.close());

  it("allows a listed origin by its exact value, with credentials", async () => {
    const res = await t.app.inject({ method: "GET", url: "/health", headers: { origin: APP } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers["access-control-allow-origin"], APP);
    assert.equal(res.headers["access-control-allow-credentials"], "true");
    assert.match(String(res.headers.vary), /origin/i);
    assert.match(String(res.headers["access-control-expose-headers"]), /x-request-id/);
  });

  it("gives a foreign origin no Access-Control-Allow-* header at all", async () => {
    for (const origin of [EVIL, `${APP}.evil.net`, "null", "https://app.example.com:8443"]) {
      const res = await t.app.inject({ method: "GET", url: "/health", headers: { origin } });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(corsHeaders(res.headers), [], origin);
    }
  });

  it("answers a preflight from a listed origin with 204, the methods and a max-age", async () => {
    const res = await t.app.inject({
      method: "OPTIONS",
      url: "/health",
      headers: {
        origin: APP,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });
    assert.equal(res.statusCode, 204);
    assert.equal(res.headers["access-control-allow-origin"], APP);
    assert.match(String(res.headers["access-control-allow-methods"]), /POST/);
    assert.equal(res.headers["access-control-allow-headers"], "content-type");
    assert.equal(res.headers["access-control-max-age"], "600");
    assert.equal(res.headers["x-content-type-options"], "nosniff", "preflights carry the security headers too");
  });

  it("answers a listed origin's preflight to a protected route before authentication, varying on what it reflects", async () => {
    const res = await t.app.inject({
      method: "OPTIONS",
      url: "/api/v1/users/me",
      headers: {
        origin: APP,
        "access-control-request-method": "GET",
        "access-control-request-headers": "authorization",
      },
    });
    assert.equal(res.statusCode, 204);
    assert.equal(res.headers["content-length"], "0");
    assert.equal(res.body, "");
    assert.equal(res.headers["access-control-allow-headers"], "authorization");
    assert.equal(res.headers["access-control-allow-credentials"], "true");
    assert.equal(res.headers.vary, "Origin, Access-Control-Request-Headers");
  });

  it("says Vary: Origin on an answer to a request without an Origin, and adds no CORS header", async () => {
    const res = await t.app.inject({ method: "GET", url: "/health" });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers.vary, "Origin");
    assert.deepEqual(corsHeaders(res.headers), []);
  });

  it("answers an OPTIONS request that is not a preflight with a 404 problem, from any origin", async () => {
    for (const headers of [{ origin: APP }, {}, { "access-control-request-method": "POST" }]) {
      const res = await t.app.inject({ method: "OPTIONS", url: "/api/v1/users/me", headers });
      assert.equal(res.statusCode, 404, JSON.stringify(headers));
      assert.match(String(res.headers["content-type"]), /application\/problem\+json/);
      assert.equal(res.headers["access-control-allow-methods"], undefined);
    }
  });

  it("refuses a preflight from a foreign origin without any allow header", async () => {
    const res = await t.app.inject({
      method: "OPTIONS",
      url: "/health",
      headers: { origin: EVIL, "access-control-request-method": "POST" },
    });
    assert.equal(res.statusCode, 404);
    assert.deepEqual(corsHeaders(res.headers), []);
  });
});

describe("CORS defaults and configuration", () => {
  it("allows http://localhost:3000 in development only", () => {
    assert.equal(loadConfig({ APP_ENV: "development" }).CORS_ORIGINS, "http://localhost:3000");
    assert.equal(loadConfig({ APP_ENV: "test" }).CORS_ORIGINS, "");
    assert.equal(
      loadConfig({
        APP_ENV: "production",
        JWT_PRIVATE_KEY: testProductionSigningKey(),
        ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
        ...PRODUCTION_WEBAUTHN,
      }).CORS_ORIGINS,
      "",
    );
  });

  it("with no origins configured, sends no CORS header to anyone", async () => {
    const t = await buildTestApp();
    try {
      const res = await t.app.inject({ method: "GET", url: "/health", headers: { origin: "http://localhost:3000" } });
      assert.deepEqual(corsHeaders(res.headers), []);
    } finally {
      await t.app.close();
    }
  });

  it("allows any origin with * only without credentials", async () => {
    const t = await buildTestApp({ CORS_ORIGINS: "*", CORS_CREDENTIALS: "false" });
    try {
      const res = await t.app.inject({ method: "GET", url: "/health", headers: { origin: EVIL } });
      assert.equal(res.headers["access-control-allow-origin"], "*");
      assert.equal(res.headers["access-control-allow-credentials"], undefined);
    } finally {
      await t.app.close();
    }
  });

  it("refuses * with credentials, and origins with a path, as configuration errors", () => {
    assert.throws(
      () => loadConfig({ CORS_ORIGINS: "*", CORS_CREDENTIALS: "true" }),
      (e: unknown) =>
        e instanceof ConfigError && e.problems.some((p) => p.name === "CORS_ORIGINS" && /\*/.test(p.message)),
    );
    assert.throws(
      () => loadConfig({ CORS_ORIGINS: "https://app.example.com/" }),
      (e: unknown) => e instanceof ConfigError && /exact origins/.test(e.problems[0]?.message ?? ""),
    );
  });

  it("stops the server at startup with exit status 78 for * with credentials", () => {
    const result = spawnSync(process.execPath, ["src/main.ts"], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, APP_ENV: "test", PORT: "0", CORS_ORIGINS: "*" },
      encoding: "utf8",
      timeout: 15_000,
    });
    assert.equal(result.status, 78);
    assert.match(result.stderr, /- CORS_ORIGINS: \* cannot be combined with CORS_CREDENTIALS=true/);
  });
});
