import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { testProductionSigningKey } from "../../helpers/app.ts";
import { PRODUCTION_WEBAUTHN, TEST_ENCRYPTION_KEY } from "../../helpers/config.ts";
import { doctorJson } from "../../helpers/doctor.ts";
import { startServerProcess } from "../../helpers/server-process.ts";

interface Ready {
  status: string;
  checks: Record<string, { status: string; error?: string }>;
}

describe("production mail settings and readiness", () => {
  const dir = mkdtempSync(join(tmpdir(), "rampart-mail-ready-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const base = {
    APP_ENV: "production",
    ...PRODUCTION_WEBAUTHN,
    DATA_DIR: dir,
    DATABASE_URL: `sqlite:${join(dir, "rampart.db")}`,
    MIGRATE_ON_START: "true",
    JWT_PRIVATE_KEY: testProductionSigningKey(),
    ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    CORS_ORIGINS: "https://app.example.com",
    TRUSTED_HOSTS: "127.0.0.1,localhost",
  };

  async function readinessOf(env: Record<string, string>): Promise<{ code: number; body: Ready; doctor: string }> {
    const server = await startServerProcess(env, 60_000);
    try {
      const response = await fetch(`${server.url}/health/ready`);
      const { status } = await doctorJson(["--url", server.url, "--production"]);
      return { code: response.status, body: (await response.json()) as Ready, doctor: String(status.readiness) };
    } finally {
      server.child.kill("SIGTERM");
      assert.equal(await server.exited(), 0);
    }
  }

  it("without SMTP_URL and with PUBLIC_APP_URL on localhost: not ready, naming both, and the doctor fails", async () => {
    const { code, body, doctor } = await readinessOf(base);
    assert.equal(code, 503);
    assert.equal(body.checks["mail-settings"]?.status, "failed");
    const error = body.checks["mail-settings"]?.error ?? "";
    assert.match(error, /SMTP_URL is not set: mail is written to <DATA_DIR>\/outbox and never delivered/);
    assert.match(
      error,
      /PUBLIC_APP_URL is http:\/\/localhost:3000: links in mails would open on the user's own machine/,
    );
    assert.equal(doctor, "fail");
  });

  it("with a mail relay and the real front end: ready", async () => {
    const { code, body, doctor } = await readinessOf({
      ...base,
      SMTP_URL: "smtp://relay.invalid:587",
      PUBLIC_APP_URL: "https://app.example.com",
    });
    assert.equal(code, 200, JSON.stringify(body));
    assert.equal(body.checks["mail-settings"]?.status, "ok");
    assert.equal(doctor, "pass");
  });
});
