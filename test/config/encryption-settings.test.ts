import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { ConfigError, describeConfig, loadConfig } from "../../src/config/load.ts";
import { DOCUMENTED_ENCRYPTION_KEY_EXAMPLE, encryptionKeys } from "../../src/config/values/encryption-keys.ts";
import { configProblems, PRODUCTION_WEBAUTHN } from "../helpers/config.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const CURRENT = "Vb7Qm2Xz9Lr4Tc8Nw1Hy6Pd3Kf5Gs0Ja-current";
const OLD = "Ue4Rn7Wq1Zx8Mc5Lv2Ht9Bk6Yg3Dp0Sf-retired";
const PRODUCTION = { APP_ENV: "production", JWT_PRIVATE_KEY_FILE: "/run/secrets/jwt.pem", ...PRODUCTION_WEBAUTHN };

function problemsOf(env: Record<string, string>): { name: string; message: string }[] {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems.map(({ name, message }) => ({ name, message }));
  }
  assert.fail("expected a ConfigError");
}

describe("ENCRYPTION_KEY and ENCRYPTION_KEYS_PREVIOUS", () => {
  it("production refuses to start without ENCRYPTION_KEY, naming the setting and how to make one", () => {
    assert.match(
      configProblems(PRODUCTION),
      /ENCRYPTION_KEY: is required in production: at least 32 random characters \(e\.g\. `openssl rand -base64 48`\)/,
    );
    assert.equal(loadConfig({ ...PRODUCTION, ENCRYPTION_KEY: CURRENT }).ENCRYPTION_KEY, CURRENT);
    // Outside production the development key seals (secret-sealer.ts): no key needed.
    assert.equal(loadConfig({ APP_ENV: "development" }).ENCRYPTION_KEY, undefined);
  });

  it("the server started in production without ENCRYPTION_KEY exits 78 before listening, naming it", () => {
    const result = spawnSync(process.execPath, ["src/main.ts"], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, ...PRODUCTION, PORT: "0", DATABASE_URL: "sqlite::memory:" },
      encoding: "utf8",
      timeout: 15_000,
    });
    assert.equal(result.status, 78, result.stderr);
    assert.match(result.stderr, /ENCRYPTION_KEY: is required in production/);
    assert.doesNotMatch(result.stdout, /listening/i);
  });

  const weak: [string, string, RegExp][] = [
    ["too short", "Vb7Qm2Xz9Lr4Tc8N", /at least 32 random characters/],
    ["the documented example", DOCUMENTED_ENCRYPTION_KEY_EXAMPLE, /documented example value, which is public/],
    ["one character repeated", "k".repeat(40), /fewer than 10 distinct characters/],
    ["a short pattern repeated", "abcdef".repeat(8), /fewer than 10 distinct characters/],
    ["a placeholder", "please-change-me-before-going-live-2026", /placeholder/],
  ];
  for (const [what, key, reason] of weak) {
    it(`refuses ${what} in every profile, naming the setting and never the value`, () => {
      for (const env of [{ APP_ENV: "test" }, PRODUCTION]) {
        const problems = problemsOf({ ...env, ENCRYPTION_KEY: key });
        const problem = problems.find((p) => p.name === "ENCRYPTION_KEY");
        assert.ok(problem, JSON.stringify(problems));
        assert.match(problem.message, reason);
        assert.ok(!configProblems({ ...env, ENCRYPTION_KEY: key }).includes(key), "the key is not printed");
      }
      const previous = problemsOf({ ENCRYPTION_KEY: CURRENT, ENCRYPTION_KEYS_PREVIOUS: `${OLD},${key}` });
      // A key under 32 characters fails the list's own schema; the others are named by position.
      assert.ok(previous.some((p) => p.name === "ENCRYPTION_KEYS_PREVIOUS" && !p.message.includes(key)));
      if (key.length >= 32) assert.match(previous[0]?.message ?? "", /^entry 2 /);
    });
  }

  it("lists the current key first, then the previous ones in order; a retired key alone or repeated is refused", () => {
    const config = loadConfig({ ENCRYPTION_KEY: CURRENT, ENCRYPTION_KEYS_PREVIOUS: ` ${OLD} , ${OLD}x ` });
    assert.deepEqual(encryptionKeys(config), [CURRENT, OLD, `${OLD}x`]);
    assert.equal(encryptionKeys(loadConfig({})), undefined);
    assert.deepEqual(
      problemsOf({ ENCRYPTION_KEYS_PREVIOUS: OLD }).map((p) => p.name),
      ["ENCRYPTION_KEYS_PREVIOUS"],
    );
    assert.match(
      problemsOf({ ENCRYPTION_KEY: CURRENT, ENCRYPTION_KEYS_PREVIOUS: CURRENT })[0]?.message ?? "",
      /repeats/,
    );
  });

  it("never prints either setting", () => {
    const shown = JSON.stringify(
      describeConfig(loadConfig({ ENCRYPTION_KEY: CURRENT, ENCRYPTION_KEYS_PREVIOUS: OLD })),
    );
    assert.ok(!shown.includes(CURRENT) && !shown.includes(OLD));
    assert.match(shown, /"ENCRYPTION_KEY":"\*\*\*\*\*\*\*\*"/);
  });
});
