import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { buildTestApp, type TestApp } from "../../helpers/app.ts";
import { doctorJson, listen } from "../../helpers/doctor.ts";

const MiB = 1024 * 1024;

/**
 * The development profile with every unsafe setting production would refuse or never
 * default to: docs on, metrics on a port reachable from here, wildcard CORS (without
 * credentials, the only wildcard the config accepts), rate limiting off, no trusted
 * hosts, and an auth body limit above 11 MiB. Each check fails exactly for its setting;
 * the others still pass.
 */
describe("rampart doctor against an unsafe development deployment", () => {
  let built: TestApp;
  let url: string;
  let metricsUrl: string;

  before(async () => {
    built = await buildTestApp({
      APP_ENV: "development",
      ENABLE_DOCS: "true",
      CORS_ORIGINS: "*",
      CORS_CREDENTIALS: "false",
      ENABLE_RATE_LIMITING: "false",
      TRUSTED_HOSTS: "",
      AUTH_BODY_LIMIT: String(16 * MiB),
      METRICS_PORT: "0",
      METRICS_HOST: "127.0.0.1",
    });
    url = await listen(built.app);
    metricsUrl = built.app.metricsListener?.url() ?? assert.fail("no metrics listener");
  });
  after(() => built.app.close());

  it("fails the unsafe settings' checks, warns on production-only rules, passes the rest, exits 1", async () => {
    const { code, report, status } = await doctorJson(["--url", url, "--metrics-url", metricsUrl, "--load", "30"]);
    assert.equal(code, 1);
    assert.equal(report.profile.production, false);
    assert.deepEqual(status, {
      "security-headers": "pass",
      "cors-foreign-origin": "fail",
      "cors-allowed-origin": "skip",
      "trusted-hosts": "fail",
      hsts: "warn",
      "error-leaks": "pass",
      "server-headers": "pass",
      "docs-exposure": "warn",
      "metrics-exposure": "fail",
      jwks: "pass",
      "www-authenticate": "pass",
      "alg-none": "pass",
      "rate-limit-headers": "fail",
      "rate-limit-burst": "fail",
      "body-limit": "fail",
      readiness: "pass",
      "kill-switch": "pass",
    });
    const byId = new Map(report.checks.map((c) => [c.id, c]));
    assert.match(byId.get("cors-foreign-origin")?.evidence ?? "", /Access-Control-Allow-Origin: \*/);
    assert.match(byId.get("trusted-hosts")?.evidence ?? "", /→ 200: any Host is accepted/);
    assert.match(
      byId.get("metrics-exposure")?.evidence ?? "",
      new RegExp(`${metricsUrl}/metrics → 200 Prometheus text`),
    );
    assert.match(byId.get("rate-limit-burst")?.evidence ?? "", /^30 × POST \/api\/v1\/auth\/login: no 429/);
    assert.match(byId.get("body-limit")?.evidence ?? "", /→ 422 .*after all 11\.0 MiB were written: the body was read/);
    for (const check of report.checks.filter((c) => c.status === "fail")) assert.notEqual(check.fix, "", check.id);
  });

  it("with --production, the docs page and the missing HSTS fail too", async () => {
    const { code, report, status } = await doctorJson(["--url", url, "--production"]);
    assert.equal(code, 1);
    assert.deepEqual(report.profile, { production: true, reason: "--production" });
    assert.equal(status["docs-exposure"], "fail");
    assert.equal(status.hsts, "fail");
    // Without --metrics-url only the main port is probed, and it never serves metrics without a token.
    assert.equal(status["metrics-exposure"], "pass");
  });
});
