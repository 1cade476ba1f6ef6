import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, it } from "node:test";

const ROOT = new URL("../../", import.meta.url).pathname;

describe("rampart kill-switch and flags (no server running)", () => {
  const dir = mkdtempSync(join(tmpdir(), "rampart-flags-cli-"));
  const env = { APP_ENV: "test", DATA_DIR: dir };
  const rampartWith = (extraEnv: Record<string, string>, ...args: string[]) =>
    spawnSync(process.execPath, ["bin/rampart.js", ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, ...env, ...extraEnv },
      encoding: "utf8",
      timeout: 15_000,
    });
  const rampart = (...args: string[]) => rampartWith({}, ...args);
  const row = (key: string) => {
    const db = new DatabaseSync(join(dir, "rampart.db"));
    try {
      return db.prepare("select value, updated_by, updated_at from platform_state where key = ?").get(key) as
        | { value: string; updated_by: string; updated_at: string }
        | undefined;
    } finally {
      db.close();
    }
  };

  before(() => assert.equal(rampart("migrate", "up").status, 0));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("flags list shows every known flag at its default until set", () => {
    const list = rampart("flags", "list");
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, /^signup +on +\(default on; never set\)/m);
  });

  it("flags set NAME off|on writes the database with who and when", () => {
    const off = rampart("flags", "set", "signup", "off");
    assert.equal(off.status, 0, off.stderr);
    assert.match(off.stdout, /^signup: off\n/);
    assert.match(off.stdout, /within PLATFORM_STATE_POLL_MS/, "no Redis: says how instances learn of it");
    const stored = row("flag:signup");
    assert.deepEqual(JSON.parse(stored?.value ?? "null"), { enabled: false });
    assert.match(stored?.updated_by ?? "", /^cli:\S+$/);
    assert.ok(Date.now() - Date.parse(stored?.updated_at ?? "") < 60_000);
    assert.match(rampart("flags", "list").stdout, /^signup +off +\(default on; since \S+ by cli:\S+\)/m);
    assert.equal(rampart("flags", "set", "signup", "on").status, 0);
    assert.deepEqual(JSON.parse(row("flag:signup")?.value ?? "null"), { enabled: true });
  });

  it("refuses unknown flags and values with usage (exit 64), changing nothing", () => {
    const unknown = rampart("flags", "set", "teleport", "on");
    assert.equal(unknown.status, 64);
    assert.match(unknown.stderr, /unknown flag "teleport" \(known: signup\)/);
    assert.equal(row("flag:teleport"), undefined);
    const value = rampart("flags", "set", "signup", "maybe");
    assert.equal(value.status, 64);
    assert.match(value.stderr, /expected on or off/);
  });

  it("kill-switch enable needs a public reason and a sane --retry-after", () => {
    const noReason = rampart("kill-switch", "enable");
    assert.equal(noReason.status, 64);
    assert.match(noReason.stderr, /a public reason is required/);
    const badRetry = rampart("kill-switch", "enable", "--reason", "x", "--retry-after", "soon");
    assert.equal(badRetry.status, 64);
    assert.match(badRetry.stderr, /--retry-after: must be a whole number of seconds/);
    assert.equal(row("kill_switch"), undefined, "nothing was written");
  });

  it("kill-switch enable, status and disable record who, when and why", () => {
    assert.match(rampart("kill-switch", "status").stdout, /^kill switch: off \(never set\)\n$/);
    const on = rampart("kill-switch", "enable", "--reason", "Investigating incident 7", "--retry-after", "600");
    assert.equal(on.status, 0, on.stderr);
    const stored = row("kill_switch");
    assert.deepEqual(JSON.parse(stored?.value ?? "null"), {
      enabled: true,
      reason: "Investigating incident 7",
      retryAfterSeconds: 600,
    });
    assert.match(stored?.updated_by ?? "", /^cli:\S+$/);
    const status = rampart("kill-switch", "status");
    assert.match(status.stdout, /^kill switch: ON \(since \S+ by cli:\S+\)\n {2}reason: Investigating incident 7\n/);
    const off = rampart("kill-switch", "disable", "--reason", "resolved");
    assert.equal(off.status, 0, off.stderr);
    assert.match(off.stdout, /^kill switch: off \(since \S+ by cli:\S+; reason: resolved\)/);
  });

  it("still changes the database when Redis cannot be reached, and says instances will poll", () => {
    const result = rampartWith(
      { REDIS_URL: "redis://127.0.0.1:1", REDIS_CONNECT_TIMEOUT_MS: "300" },
      "flags",
      "set",
      "signup",
      "off",
    );
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /within PLATFORM_STATE_POLL_MS \(1000 ms\); Redis could not be reached to announce it/);
    assert.deepEqual(JSON.parse(row("flag:signup")?.value ?? "null"), { enabled: false });
    assert.equal(rampart("flags", "set", "signup", "on").status, 0);
  });

  it("refuses to run against a database whose migrations are not applied (MIGRATE_ON_START=false)", () => {
    const empty = mkdtempSync(join(tmpdir(), "rampart-flags-empty-"));
    try {
      const result = spawnSync(process.execPath, ["bin/rampart.js", "kill-switch", "status"], {
        cwd: ROOT,
        env: { PATH: process.env.PATH, APP_ENV: "test", DATA_DIR: empty, MIGRATE_ON_START: "false" },
        encoding: "utf8",
        timeout: 15_000,
      });
      assert.equal(result.status, 1);
      assert.match(result.stderr, /^rampart: .*platform_state.*run `rampart migrate up`/m);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
