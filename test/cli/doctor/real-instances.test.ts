import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { buildTestApp, type TestApp, testProductionSigningKey } from "../../helpers/app.ts";
import { PRODUCTION_WEBAUTHN, TEST_ENCRYPTION_KEY } from "../../helpers/config.ts";
import { doctorJson, listen } from "../../helpers/doctor.ts";
import { type ServerProcess, startServerProcess } from "../../helpers/server-process.ts";
import { waitFor } from "../../helpers/wait.ts";
import { freePort } from "../../scale/instances.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;
const FRONT_END = "https://app.example.com";

/**
 * The doctor's verdicts where they went wrong, each against a real Rampart in the wrong
 * (or the right) configuration: a metrics port given the way a Prometheus target is
 * written, and a deployment whose kill switch is on.
 */
describe("rampart doctor --metrics-url against a real metrics listener", () => {
  let built: TestApp;
  let url: string;
  let metricsBase: string;
  before(async () => {
    built = await buildTestApp({
      APP_ENV: "production",
      ...PRODUCTION_WEBAUTHN,
      TRUSTED_HOSTS: "127.0.0.1,localhost",
      CORS_ORIGINS: FRONT_END,
      METRICS_PORT: "0",
      METRICS_HOST: "127.0.0.1",
    });
    url = await listen(built.app);
    metricsBase = built.app.metricsListener?.url() ?? assert.fail("no metrics listener");
  });
  after(() => built.app.close());

  for (const given of ["the listener's base URL", "the scrape URL ending in /metrics"]) {
    it(`fails when the metrics listener answers from here, given ${given}`, async () => {
      const metricsUrl = given.startsWith("the scrape") ? `${metricsBase}/metrics` : metricsBase;
      const { code, report, status } = await doctorJson(["--url", url, "--metrics-url", metricsUrl]);
      assert.equal(status["metrics-exposure"], "fail");
      assert.equal(code, 1);
      const evidence = report.checks.find((c) => c.id === "metrics-exposure")?.evidence ?? "";
      assert.match(evidence, new RegExp(`GET ${metricsBase}/metrics → 200 Prometheus text, reachable from here`));
      assert.doesNotMatch(evidence, /\/metrics\/metrics/);
    });
  }

  it("passes when the metrics port is not reachable from here", async () => {
    const closed = `http://127.0.0.1:${await freePort()}/metrics`;
    const { report, status } = await doctorJson(["--url", url, "--metrics-url", closed]);
    assert.equal(status["metrics-exposure"], "pass");
    const evidence = report.checks.find((c) => c.id === "metrics-exposure")?.evidence ?? "";
    assert.match(evidence, /not reachable from here \(ECONNREFUSED\)/);
  });
});

describe("rampart doctor against a real production instance whose kill switch is on", () => {
  let dir: string;
  let env: Record<string, string>;
  let server: ServerProcess;
  const rampart = (args: readonly string[]) =>
    spawnSync(process.execPath, ["src/cli/main.ts", ...args], { cwd: ROOT, env, encoding: "utf8", timeout: 30_000 });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "rampart-doctor-"));
    env = {
      PATH: process.env.PATH ?? "",
      APP_ENV: "production",
      ...PRODUCTION_WEBAUTHN,
      LOG_FORMAT: "json",
      DATA_DIR: dir,
      DATABASE_URL: `sqlite:${join(dir, "rampart.db")}`,
      JWT_PRIVATE_KEY: testProductionSigningKey(),
      ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      TRUSTED_HOSTS: "127.0.0.1,localhost",
      CORS_ORIGINS: FRONT_END,
      PLATFORM_STATE_POLL_MS: "100",
      SMTP_URL: "smtp://relay.invalid:587",
      PUBLIC_APP_URL: FRONT_END,
    };
    assert.equal(rampart(["migrate", "up"]).status, 0);
    server = await startServerProcess(env, 60_000);
  });
  after(async () => {
    server?.child.kill("SIGTERM");
    await server?.exited();
    rmSync(dir, { recursive: true, force: true });
  });

  it("passes every check while the switch is off, then only warns while it is on: exit 0 both times", async () => {
    const off = await doctorJson(["--url", server.url, "--origin", FRONT_END]);
    // The burst check runs only with --load.
    assert.deepEqual(
      off.report.checks.filter((c) => c.status !== "pass").map((c) => [c.id, c.status]),
      [["rate-limit-burst", "skip"]],
    );
    assert.equal(off.code, 0);

    const enabled = rampart(["kill-switch", "enable", "--reason", "incident drill"]);
    assert.equal(enabled.status, 0, enabled.stderr);
    await waitFor(async () => (await fetch(`${server.url}/api/v1/users/me`)).status === 503, 10_000, "the kill switch");
    const on = await doctorJson(["--url", server.url, "--origin", FRONT_END]);
    const notPassing = Object.fromEntries(on.report.checks.filter((c) => c.status !== "pass").map((c) => [c.id, c]));
    assert.equal(notPassing["kill-switch"]?.status, "warn");
    assert.equal(notPassing.jwks?.status, "warn", "JWKS closed by the switch cannot be judged: not a broken key set");
    assert.match(notPassing.jwks?.evidence ?? "", /the kill switch is on, so this cannot be checked/);
    for (const check of Object.values(notPassing))
      assert.ok(check.status === "warn" || check.id === "rate-limit-burst", `${check.id}: ${check.evidence}`);
    assert.equal(on.code, 0);
  });
});
