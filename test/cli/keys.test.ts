import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { once } from "node:events";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { keysDirectory } from "../../src/config/values/keys-directory.ts";
import { addKey } from "../../src/platform/auth/keyset-store.ts";
import { createLogger } from "../../src/platform/logging/logger.ts";
import { PRODUCTION_WEBAUTHN, TEST_ENCRYPTION_KEY } from "../helpers/config.ts";
import { startServerProcess } from "../helpers/server-process.ts";
import { tempDataDir } from "../platform/auth/fixtures.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const silent = createLogger({ LOG_LEVEL: "silent", LOG_FORMAT: "json" });

function rampart(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, ["bin/rampart.js", ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, APP_ENV: "test", ...env },
    encoding: "utf8",
    timeout: 15_000,
  });
}

describe("rampart keys", () => {
  it("rotate adds an active key, keeps the previous one published, and removes keys whose tokens have all expired", async () => {
    const dataDir = tempDataDir();
    const dir = keysDirectory(dataDir);
    const hour = 3600_000;
    const expired = await addKey(dir, "RS256", new Date(Date.now() - 2 * hour), silent);
    const previous = await addKey(dir, "RS256", new Date(Date.now() - hour), silent);

    const result = rampart(["keys", "rotate"], { DATA_DIR: dataDir });
    assert.equal(result.status, 0, result.stderr);
    const active = /new active key (\S+) \(RS256\)/.exec(result.stdout)?.[1];
    assert.ok(active);
    assert.match(result.stdout, new RegExp(`retired ${previous.kid}: published until `));
    assert.match(result.stdout, new RegExp(`removed expired key ${expired.kid}`));
    assert.doesNotMatch(result.stdout + result.stderr, /PRIVATE KEY/);
    assert.deepEqual(readdirSync(dir).sort(), [`key.${active}.json`, `key.${previous.kid}.json`].sort());
    for (const file of readdirSync(dir)) assert.equal(statSync(join(dir, file)).mode & 0o777, 0o600);

    const list = rampart(["keys", "list"], { DATA_DIR: dataDir });
    assert.equal(list.status, 0);
    assert.match(list.stdout, new RegExp(`^active\\s+${active}\\s+RS256`, "m"));
    assert.match(list.stdout, new RegExp(`^retired\\s+${previous.kid}\\s+RS256.*published until`, "m"));
  });

  it("rotates quietly when the reader of its output has gone (`keys rotate | head -2`): no EPIPE stack trace", async () => {
    const dataDir = tempDataDir();
    const child = spawn(process.execPath, ["bin/rampart.js", "keys", "rotate"], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, APP_ENV: "test", DATA_DIR: dataDir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    // The reader goes away before the first line: every write the command makes hits a closed pipe.
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const [code] = (await once(child, "close")) as [number];
    assert.equal(stderr, "", "no stack trace");
    assert.equal(code, 0);
    assert.equal(readdirSync(keysDirectory(dataDir)).length, 1, "the key was still added");
  });

  it("refuses when the key comes from JWT_PRIVATE_KEY, pointing to the production procedure", () => {
    const pem = generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" });
    const result = rampart(["keys", "rotate"], {
      DATA_DIR: tempDataDir(),
      APP_ENV: "production",
      ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      ...PRODUCTION_WEBAUTHN,
      JWT_ALG: "EdDSA",
      JWT_PRIVATE_KEY: String(pem),
    });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /JWT_PREVIOUS_PUBLIC_KEYS \(docs\/security-keys\.md\)/);
    assert.doesNotMatch(result.stderr, /PRIVATE KEY-----/);
  });

  it("an invalid configuration exits 78 like every other command", () => {
    const result = rampart(["keys", "rotate"], {
      DATA_DIR: tempDataDir(),
      APP_ENV: "production",
      ...PRODUCTION_WEBAUTHN,
    });
    assert.equal(result.status, 78);
    assert.match(result.stderr, /JWT_PRIVATE_KEY: is required in production/);
  });

  it("a running server picks up a rotation without a restart", async () => {
    const dataDir = tempDataDir();
    const env = { DATA_DIR: dataDir, DATABASE_URL: "sqlite::memory:", JWT_KEYS_RELOAD_INTERVAL_S: "1" };
    const server = await startServerProcess(env);
    try {
      const before = (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
      assert.equal(before.keys.length, 1);
      const rotated = rampart(["keys", "rotate"], env);
      assert.equal(rotated.status, 0, rotated.stderr);
      const active = /new active key (\S+)/.exec(rotated.stdout)?.[1];
      let kids: string[] = [];
      for (let attempt = 0; attempt < 30 && kids[0] !== active; attempt++) {
        await sleep(100);
        const body = (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
        kids = body.keys.map((k) => k.kid);
      }
      assert.deepEqual(kids, [active, before.keys[0]?.kid]);
    } finally {
      server.child.kill("SIGTERM");
      await server.exited();
    }
    // Log lines are buffered; after the graceful exit every one has been written.
    assert.ok(server.lines.some((l) => l.msg === "signing key rotated"));
    assert.doesNotMatch(JSON.stringify(server.lines), /PRIVATE KEY/);
  });
});
