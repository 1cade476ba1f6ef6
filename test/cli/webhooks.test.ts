import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { it } from "node:test";
import { Webhook } from "standardwebhooks";
import { newWebhookSecret } from "../../src/modules/webhooks/signature.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

function rampart(args: string[]) {
  return spawnSync(process.execPath, ["bin/rampart.js", ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, APP_ENV: "test", LOG_FORMAT: "json" },
    encoding: "utf8",
    timeout: 30_000,
  });
}

it("rampart webhooks verify accepts a signature made by the standardwebhooks package and refuses a tampered one", () => {
  const secret = newWebhookSecret();
  const payload = JSON.stringify({ type: "member.role_changed", timestamp: new Date().toISOString(), data: {} });
  const id = "msg_01J0000000000000000000000";
  const now = new Date();
  const signature = new Webhook(secret).sign(id, now, payload);
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const args = (body: string, ts = timestamp) => [
    "webhooks",
    "verify",
    "--secret",
    secret,
    "--payload",
    body,
    "--id",
    id,
    "--timestamp",
    ts,
    "--signature",
    signature,
  ];
  const ok = rampart(args(payload));
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /valid/);
  const tampered = rampart(args(payload.replace("member", "admin")));
  assert.equal(tampered.status, 1);
  assert.match(tampered.stderr, /no v1 signature matches/);
  const stale = rampart(args(payload, String(Math.floor(now.getTime() / 1000) - 3600)));
  assert.equal(stale.status, 1);
  assert.match(stale.stderr, /tolerance/);
  const missing = rampart(["webhooks", "verify", "--secret", secret]);
  assert.equal(missing.status, 64);
});
