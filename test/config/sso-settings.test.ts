import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, loadConfig } from "../../src/config/load.ts";

describe("SSO settings", () => {
  it("default to the system's resolvers, a 3 s lookup, a daily recheck, 10-minute flows and https issuers only", () => {
    const config = loadConfig({});
    assert.equal(config.SSO_DNS_SERVERS, undefined);
    assert.equal(config.SSO_DNS_TIMEOUT_MS, 3000);
    assert.equal(config.SSO_DOMAIN_RECHECK_MS, 86_400_000);
    assert.equal(config.SSO_FLOW_TTL_S, 600);
    assert.equal(config.SSO_ALLOW_INSECURE_ISSUERS, false);
  });

  it("refuse http issuers in production, and out-of-range values anywhere", () => {
    for (const [env, names] of [
      [{ APP_ENV: "production", SSO_ALLOW_INSECURE_ISSUERS: "true" }, ["SSO_ALLOW_INSECURE_ISSUERS"]],
      [{ SSO_DNS_TIMEOUT_MS: "5", SSO_FLOW_TTL_S: "99999" }, ["SSO_DNS_TIMEOUT_MS", "SSO_FLOW_TTL_S"]],
      [{ SSO_CALLBACK_URL: "not a url" }, ["SSO_CALLBACK_URL"]],
      [{ SSO_DNS_SERVERS: "1.1.1.1,dns.example.com" }, ["SSO_DNS_SERVERS"]],
    ] as const) {
      try {
        loadConfig(env);
        assert.fail(`expected a ConfigError for ${JSON.stringify(env)}`);
      } catch (error) {
        assert.ok(error instanceof ConfigError, String(error));
        const found = error.problems.map((p) => p.name);
        for (const name of names) assert.ok(found.includes(name), `${name} in ${found.join(", ")}`);
      }
    }
    assert.equal(loadConfig({ SSO_ALLOW_INSECURE_ISSUERS: "true" }).SSO_ALLOW_INSECURE_ISSUERS, true);
    assert.equal(
      loadConfig({ SSO_DNS_SERVERS: "127.0.0.1:5353, ::1,[::1]:53" }).SSO_DNS_SERVERS,
      "127.0.0.1:5353, ::1,[::1]:53",
    );
  });
});
