import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { loadConfig } from "../../src/config/load.ts";
import { openDatabase } from "../../src/platform/db/connect.ts";
import { loadMigrations, migrateUp } from "../../src/platform/db/migrator.ts";
import { createLogger } from "../../src/platform/logging/logger.ts";
import { type IdentityHarness, identityHarness, register, STRONG_PASSWORD, signedInUser } from "../helpers/identity.ts";
import { userWithTotp } from "../helpers/mfa.ts";

// Issue #20, finding 1: `rampart users create-admin` promotes only an account whose owner
// proved the address, or the one it creates; promotion revokes the account's sessions; a
// password given for an existing account is refused instead of silently ignored.

const ROOT = new URL("../../", import.meta.url).pathname;
const OTHER_PASSWORD = "copper-meadow-falcon-77";

function createAdmin(url: string, email: string, options: { stdin?: string } = {}) {
  const args = ["bin/rampart.js", "users", "create-admin", "--email", email];
  if (options.stdin !== undefined) args.push("--password-stdin");
  return spawnSync(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH, APP_ENV: "test", LOG_FORMAT: "json", DATABASE_URL: url },
    encoding: "utf8",
    input: options.stdin ?? "",
    timeout: 30_000,
  });
}

describe("rampart users create-admin", () => {
  let dir: string;
  let url: string;
  let h: IdentityHarness;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "rampart-users-cli-"));
    url = `sqlite:${join(dir, "users.db")}`;
    const silent = createLogger({ LOG_LEVEL: "silent", LOG_FORMAT: "json" });
    const handle = openDatabase(loadConfig({ APP_ENV: "test", DATABASE_URL: url }), silent);
    await migrateUp(handle, await loadMigrations());
    // The app and the CLI share the database file, as a server and its operator do.
    const file = {
      engine: "sqlite" as const,
      skip: false as const,
      create: async () => ({ handle, url, drop: async () => {} }),
    };
    h = await identityHarness(file);
  });
  after(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const user = (email: string) =>
    h.database.handle.db.selectFrom("users").selectAll().where("email", "=", email).executeTakeFirstOrThrow();
  const liveSessions = async (userId: string) =>
    (
      await h.database.handle.db
        .selectFrom("sessions")
        .select("id")
        .where("user_id", "=", userId)
        .where("revoked_at", "is", null)
        .execute()
    ).length;

  it("refuses an existing unverified account: it may belong to whoever registered the address first", async () => {
    const email = "squatter@example.com";
    assert.equal((await register(h.app, email)).statusCode, 201);
    const result = createAdmin(url, email);
    assert.equal(result.status, 1, result.stdout);
    assert.match(result.stderr, /has not confirmed its address/);
    assert.equal((await user(email)).platform_role, "user");
  });

  it("refuses --password-stdin for an existing account, saying why, and changes nothing", async () => {
    const email = "existing@example.com";
    const signed = await signedInUser(h, email);
    const result = createAdmin(url, email, { stdin: `${OTHER_PASSWORD}\n` });
    assert.equal(result.status, 1, result.stdout);
    assert.match(result.stderr, /already has an account: --password-stdin sets the password of a new account only/);
    const row = await user(email);
    assert.equal(row.platform_role, "user");
    assert.equal(await liveSessions(signed.userId), 1);
    const login = await h.app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { email, password: STRONG_PASSWORD, clientType: "native" },
    });
    assert.equal(login.statusCode, 200, "the account's own password still works");
  });

  it("promotes a verified account and revokes its sessions: the refresh token stops working", async () => {
    const email = "verified@example.com";
    const signed = await signedInUser(h, email);
    const result = createAdmin(url, email);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /is now a platform admin .*1 session\(s\) revoked/);
    assert.equal((await user(email)).platform_role, "admin");
    assert.equal(await liveSessions(signed.userId), 0);
    const refresh = await h.app.inject({
      method: "POST",
      url: "/api/v1/auth/refresh",
      payload: { refreshToken: signed.refreshToken },
    });
    assert.equal(refresh.statusCode, 401, refresh.body);
    const events = await h.database.handle.db
      .selectFrom("audit_events")
      .select(["action", "actor_type"])
      .where("target_id", "=", signed.userId)
      .where("action", "=", "user.promoted_admin")
      .execute();
    assert.deepEqual(
      events.map((event) => [event.action, event.actor_type]),
      [["user.promoted_admin", "system"]],
    );
  });

  it("creates a new, verified admin with the password from stdin", async () => {
    const email = "operator@example.com";
    const result = createAdmin(url, email, { stdin: `${OTHER_PASSWORD}\n` });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /created platform admin operator@example.com/);
    assert.doesNotMatch(result.stdout, /password \(shown once/);
    const row = await user(email);
    assert.equal(row.platform_role, "admin");
    assert.ok(row.email_verified_at);
    const login = await h.app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { email, password: OTHER_PASSWORD, clientType: "native" },
    });
    assert.equal(login.statusCode, 200, login.body);
  });

  it("users reset-factors removes an account's factors (lost device), recorded as the CLI, mailed; the password signs in again", async () => {
    const email = "lost-device@example.com";
    const owner = await userWithTotp(h, email);
    const result = spawnSync(process.execPath, ["bin/rampart.js", "users", "reset-factors", "--email", email], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, APP_ENV: "test", LOG_FORMAT: "json", DATABASE_URL: url, DATA_DIR: dir },
      encoding: "utf8",
      timeout: 30_000,
    });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /lost-device@example.com: 1 factor\(s\) and every recovery code removed/);
    const events = await h.database.handle.db
      .selectFrom("audit_events")
      .select(["action", "actor_type"])
      .where("target_id", "=", owner.userId)
      .where("action", "=", "user.factors_reset")
      .execute();
    assert.deepEqual(
      events.map((event) => [event.action, event.actor_type]),
      [["user.factors_reset", "system"]],
    );
    const mails = readdirSync(join(dir, "outbox")).map((f) => readFileSync(join(dir, "outbox", f), "utf8"));
    assert.ok(
      mails.some((m) => m.includes(email) && m.includes("second factors")),
      "the owner is mailed",
    );
    const login = await h.app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { email, password: STRONG_PASSWORD, clientType: "native" },
    });
    assert.ok(login.json().accessToken, login.body);
    const unknown = spawnSync(
      process.execPath,
      ["bin/rampart.js", "users", "reset-factors", "--email", "nobody@example.com"],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH, APP_ENV: "test", LOG_FORMAT: "json", DATABASE_URL: url, DATA_DIR: dir },
        encoding: "utf8",
        timeout: 30_000,
      },
    );
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /no account uses nobody@example.com/);
  });
});
