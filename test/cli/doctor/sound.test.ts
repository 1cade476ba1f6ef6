import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { buildTestApp, type TestApp } from "../../helpers/app.ts";
import { PRODUCTION_WEBAUTHN } from "../../helpers/config.ts";
import { doctorJson, listen, runDoctor } from "../../helpers/doctor.ts";

const FRONT_END = "https://app.example.com";

/**
 * The production profile with the few settings an operator must choose (trusted hosts,
 * the front end's origin): every check passes. Rate limits are the defaults, so the
 * --load run reaches 429 on the auth tier.
 */
describe("rampart doctor against a sound production deployment", () => {
  let built: TestApp;
  let url: string;

  before(async () => {
    built = await buildTestApp({
      APP_ENV: "production",
      ...PRODUCTION_WEBAUTHN,
      TRUSTED_HOSTS: "127.0.0.1,localhost",
      CORS_ORIGINS: FRONT_END,
    });
    url = await listen(built.app);
  });
  after(() => built.app.close());

  it("prints a readable report, every check passing, and exits 0", async () => {
    const run = await runDoctor(["--url", url, "--origin", FRONT_END]);
    assert.equal(run.code, 0, run.stdout);
    assert.equal(run.stderr, "");
    assert.match(
      run.stdout,
      /^rampart doctor http:\/\/127\.0\.0\.1:\d+\/\nprofile: production \(GET \/health sends Strict-Transport-Security/,
    );
    assert.match(
      run.stdout,
      /^PASS {2}trusted-hosts — .*\n {6}GET \/\.well-known\/jwks\.json with Host: rampart-doctor\.invalid → 400 request\.untrusted_host$/m,
    );
    assert.match(
      run.stdout,
      /^PASS {2}body-limit — .*\n {6}POST \/api\/v1\/auth\/login with an 11 MiB chunked body → 413 request\.body_too_large/m,
    );
    assert.doesNotMatch(run.stdout, /^(FAIL|WARN)/m);
    assert.match(run.stdout, /\n16 pass, 0 warn, 0 fail, 1 skip\n$/);
  });

  it("renders the same checks as a markdown table", async () => {
    const run = await runDoctor(["--url", url, "--origin", FRONT_END, "--format", "markdown"]);
    assert.equal(run.code, 0);
    const lines = run.stdout.split("\n");
    assert.match(lines[0] ?? "", /^# rampart doctor: http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.ok(lines.includes("| status | check | evidence | fix |"));
    const rows = lines.filter(
      (l) => l.startsWith("| ✅") || l.startsWith("| ⚠️") || l.startsWith("| ❌") || l.startsWith("| ➖"),
    );
    assert.equal(rows.length, 17);
    // Every row has exactly four cells: pipes inside evidence are escaped.
    for (const row of rows) assert.equal(row.replace(/\\\|/g, "").split("|").length, 6, row);
    assert.ok(rows.some((r) => r.startsWith("| ✅ pass | `hsts`")));
  });

  it("with --load, a burst on the login route reaches 429 with Retry-After; JSON report, exit 0", async () => {
    const { code, report, status } = await doctorJson(["--url", url, "--origin", FRONT_END, "--load", "40"]);
    assert.equal(code, 0);
    assert.equal(report.profile.production, true);
    for (const check of report.checks) assert.equal(check.status, "pass", `${check.id}: ${check.evidence}`);
    assert.equal(Object.keys(status).length, 17);
    assert.deepEqual(report.summary, { pass: 17, warn: 0, fail: 0, skip: 0 });
    const burst = report.checks.find((c) => c.id === "rate-limit-burst");
    assert.match(burst?.evidence ?? "", /^429 within \d+ requests, Retry-After: \d+$/);
  });
});
