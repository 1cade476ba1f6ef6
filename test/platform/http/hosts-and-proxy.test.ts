import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Type } from "@sinclair/typebox";
import { ConfigError, loadConfig } from "../../../src/config/load.ts";
import { buildTestApp, type TestApp } from "../../helpers/app.ts";

async function appWithIpRoute(env: Record<string, string>): Promise<TestApp> {
  const t = await buildTestApp(env);
  t.app.get(
    "/test/ip",
    {
      config: { access: "public" },
      schema: {
        operationId: "getClientIp",
        tags: ["test"],
        response: { 200: Type.Object({ ip: Type.String(), host: Type.String() }) },
      },
    },
    async (request) => ({ ip: request.ip, host: request.hostname }),
  );
  await t.app.ready();
  return t;
}

describe("trusted hosts", () => {
  let t: TestApp;
  before(async () => {
    t = await appWithIpRoute({ TRUSTED_HOSTS: "api.example.com, API.internal" });
  });
  after(() => t.app.close());

  it("serves a listed host, with or without a port, case-insensitively", async () => {
    for (const host of ["api.example.com", "api.example.com:8443", "API.EXAMPLE.COM", "api.internal"]) {
      const res = await t.app.inject({ method: "GET", url: "/test/ip", headers: { host } });
      assert.equal(res.statusCode, 200, host);
    }
  });

  it("answers any other Host with a 400 problem, on known and unknown paths and on health", async () => {
    for (const url of ["/test/ip", "/nowhere", "/health", "/health/ready"]) {
      const res = await t.app.inject({ method: "GET", url, headers: { host: "evil.example.net" } });
      assert.equal(res.statusCode, 400, url);
      assert.match(String(res.headers["content-type"]), /^application\/problem\+json/);
      assert.equal(res.json().code, "request.untrusted_host");
      assert.equal(res.headers["x-content-type-options"], "nosniff");
    }
  });

  it("lets probes address /health by IP when HEALTH_ANY_HOST=true, and nothing else", async () => {
    const probe = await appWithIpRoute({ TRUSTED_HOSTS: "api.example.com", HEALTH_ANY_HOST: "true" });
    try {
      for (const url of ["/health", "/health/live", "/health/ready"]) {
        const res = await probe.app.inject({ method: "GET", url, headers: { host: "10.1.2.3:8000" } });
        assert.equal(res.statusCode, 200, url);
      }
      const other = await probe.app.inject({ method: "GET", url: "/test/ip", headers: { host: "10.1.2.3:8000" } });
      assert.equal(other.statusCode, 400);
      const lookalike = await probe.app.inject({ method: "GET", url: "/healthz", headers: { host: "10.1.2.3" } });
      assert.equal(lookalike.statusCode, 400);
    } finally {
      await probe.app.close();
    }
  });
});

describe("trusted proxies", () => {
  it("ignores X-Forwarded-For from a peer that is not a trusted proxy", async () => {
    const t = await appWithIpRoute({ TRUST_PROXY: "10.0.0.0/8" });
    try {
      const res = await t.app.inject({
        method: "GET",
        url: "/test/ip",
        remoteAddress: "203.0.113.9",
        headers: { "x-forwarded-for": "1.2.3.4" },
      });
      assert.equal(res.json().ip, "203.0.113.9");
    } finally {
      await t.app.close();
    }
  });

  it("takes the client IP from X-Forwarded-For when the peer is a listed proxy, stopping at the first untrusted hop", async () => {
    const t = await appWithIpRoute({ TRUST_PROXY: "10.0.0.0/8,192.168.1.10" });
    try {
      const via = (peer: string, xff: string) =>
        t.app.inject({ method: "GET", url: "/test/ip", remoteAddress: peer, headers: { "x-forwarded-for": xff } });
      assert.equal((await via("10.0.0.5", "198.51.100.7")).json().ip, "198.51.100.7");
      assert.equal((await via("192.168.1.10", "198.51.100.7, 10.2.2.2")).json().ip, "198.51.100.7");
      // The client prepended a fake entry: the first untrusted hop from the right is the real client.
      assert.equal((await via("10.0.0.5", "6.6.6.6, 198.51.100.7")).json().ip, "198.51.100.7");
      const forwardedHost = await t.app.inject({
        method: "GET",
        url: "/test/ip",
        remoteAddress: "10.0.0.5",
        headers: { "x-forwarded-for": "198.51.100.7", "x-forwarded-host": "api.example.com" },
      });
      assert.equal(forwardedHost.json().host, "api.example.com", "the trusted proxy's X-Forwarded-Host is the host");
    } finally {
      await t.app.close();
    }
  });

  it("trusts exactly the configured number of hops", async () => {
    const t = await appWithIpRoute({ TRUST_PROXY: "1" });
    try {
      const res = await t.app.inject({
        method: "GET",
        url: "/test/ip",
        remoteAddress: "10.0.0.5",
        headers: { "x-forwarded-for": "6.6.6.6, 198.51.100.7" },
      });
      assert.equal(res.json().ip, "198.51.100.7");
    } finally {
      await t.app.close();
    }
  });

  it("does not trust X-Forwarded-For at all by default", async () => {
    const t = await appWithIpRoute({});
    try {
      const res = await t.app.inject({
        method: "GET",
        url: "/test/ip",
        remoteAddress: "10.0.0.5",
        headers: { "x-forwarded-for": "1.2.3.4", "x-forwarded-host": "evil.example.net" },
      });
      assert.equal(res.json().ip, "10.0.0.5");
      assert.equal(res.json().host, "localhost");
    } finally {
      await t.app.close();
    }
  });

  it("refuses blanket trust in production and malformed CIDRs anywhere", () => {
    assert.throws(
      () => loadConfig({ APP_ENV: "production", TRUST_PROXY: "true" }),
      (e: unknown) => e instanceof ConfigError && /refused in production/.test(e.problems[0]?.message ?? ""),
    );
    assert.equal(loadConfig({ APP_ENV: "development", TRUST_PROXY: "true" }).TRUST_PROXY, "true");
    for (const bad of ["10.0.0.0/33", "proxy.internal", "10.0.0.0/8/1", "::1/129"]) {
      assert.throws(() => loadConfig({ TRUST_PROXY: bad }), ConfigError, bad);
    }
    assert.equal(loadConfig({ TRUST_PROXY: "fd00::/8,loopback" }).TRUST_PROXY, "fd00::/8,loopback");
  });
});
