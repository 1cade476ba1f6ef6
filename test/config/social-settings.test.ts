import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, loadConfig } from "../../src/config/load.ts";
import { providersFrom } from "../../src/modules/social/index.ts";

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.problems.map((p) => `${p.name}: ${p.message}`);
  }
  return [];
}

describe("Social sign-in settings", () => {
  it("enable no provider by default", () => {
    const config = loadConfig({});
    assert.deepEqual(providersFrom(config), []);
    assert.equal(config.SOCIAL_FLOW_TTL_S, 600);
    assert.equal(config.SOCIAL_ALLOW_INSECURE_URLS, false);
    assert.equal(config.SOCIAL_MICROSOFT_TENANT, "consumers");
  });

  it("make Google and Microsoft presets of the OIDC path with their well-known issuers", () => {
    const both = {
      SOCIAL_GOOGLE_CLIENT_ID: "g-id",
      SOCIAL_GOOGLE_CLIENT_SECRET: "g-secret",
      SOCIAL_MICROSOFT_CLIENT_ID: "m-id",
      SOCIAL_MICROSOFT_CLIENT_SECRET: "m-secret",
    };
    const [google, microsoft] = providersFrom(loadConfig(both));
    assert.equal(google?.protocol, "oidc");
    assert.equal(google?.protocol === "oidc" && google.issuer, "https://accounts.google.com");
    // Personal Microsoft accounts: the consumers tenant's fixed id is the ID tokens' issuer.
    assert.equal(
      microsoft?.protocol === "oidc" && microsoft.issuer,
      "https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0",
    );
    const tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    const [, work] = providersFrom(loadConfig({ ...both, SOCIAL_MICROSOFT_TENANT: tenant }));
    assert.equal(work?.protocol === "oidc" && work.issuer, `https://login.microsoftonline.com/${tenant}/v2.0`);
  });

  it("refuse half a provider, a multi-tenant Microsoft setting, and insecure URLs in production", () => {
    assert.ok(problemsOf({ SOCIAL_GITHUB_CLIENT_ID: "id" }).some((p) => p.startsWith("SOCIAL_GITHUB_CLIENT_SECRET")));
    assert.ok(
      problemsOf({ SOCIAL_OIDC_CLIENT_ID: "id", SOCIAL_OIDC_CLIENT_SECRET: "s" }).some((p) =>
        p.startsWith("SOCIAL_OIDC_ISSUER"),
      ),
    );
    assert.ok(problemsOf({ SOCIAL_MICROSOFT_TENANT: "common" }).some((p) => p.startsWith("SOCIAL_MICROSOFT_TENANT")));
    assert.ok(
      problemsOf({ APP_ENV: "production", SOCIAL_ALLOW_INSECURE_URLS: "true" }).some((p) =>
        p.startsWith("SOCIAL_ALLOW_INSECURE_URLS"),
      ),
    );
  });

  it("never print a client secret, not even an invalid one", () => {
    const secret = `leaky-${"x".repeat(1001)}`;
    try {
      loadConfig({ SOCIAL_GITHUB_CLIENT_ID: "id", SOCIAL_GITHUB_CLIENT_SECRET: secret });
      assert.fail("expected a ConfigError");
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      assert.ok(error.problems.some((p) => p.name === "SOCIAL_GITHUB_CLIENT_SECRET"));
      assert.ok(!JSON.stringify(error.problems).includes("leaky-"), "the value is not echoed");
      assert.ok(!String(error.message).includes("leaky-"));
    }
  });
});
