import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { loadConfig } from "../../src/config/load.ts";
import { configProblems, PRODUCTION_WEBAUTHN, TEST_ENCRYPTION_KEY } from "../helpers/config.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const ecKey = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" });
const smallRsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({
  type: "pkcs8",
  format: "pem",
});

describe("auth settings", () => {
  it("defaults: RS256, issuer rampart, audience rampart-api, 15-minute access tokens, 30 s key reload", () => {
    const config = loadConfig({});
    assert.equal(config.JWT_ALG, "RS256");
    assert.equal(config.JWT_ISSUER, "rampart");
    assert.equal(config.JWT_AUDIENCE, "rampart-api");
    assert.equal(config.ACCESS_TOKEN_TTL_S, 900);
    assert.equal(config.JWT_KEYS_RELOAD_INTERVAL_S, 30);
    assert.equal(config.JWT_PRIVATE_KEY, undefined);
  });

  it("production without a signing key is a config error naming both ways to give one", () => {
    assert.match(
      configProblems({ APP_ENV: "production", ...PRODUCTION_WEBAUTHN }),
      /JWT_PRIVATE_KEY: is required in production: a PEM private key .*, or its file, e\.g\. JWT_PRIVATE_KEY_FILE=/,
    );
    assert.equal(
      loadConfig({
        APP_ENV: "production",
        ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
        ...PRODUCTION_WEBAUTHN,
        JWT_PRIVATE_KEY_FILE: "/run/secrets/jwt.pem",
      }).APP_ENV,
      "production",
    );
  });

  it("an inline key that is not a PEM key, too weak, or of another algorithm is refused without echoing it", () => {
    const garbage = configProblems({
      APP_ENV: "production",
      ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      ...PRODUCTION_WEBAUTHN,
      JWT_PRIVATE_KEY: "-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----",
    });
    assert.match(garbage, /JWT_PRIVATE_KEY: is not a PEM private key/);
    assert.doesNotMatch(garbage, /c2VjcmV0/);
    const weak = configProblems({
      APP_ENV: "production",
      ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      ...PRODUCTION_WEBAUTHN,
      JWT_PRIVATE_KEY: String(smallRsa),
    });
    assert.match(weak, /JWT_PRIVATE_KEY: must be an RSA \(≥ 2048 bits\), EC P-256 or Ed25519 key/);
    const mismatch = configProblems({
      APP_ENV: "production",
      ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      ...PRODUCTION_WEBAUTHN,
      JWT_PRIVATE_KEY: String(ecKey),
    });
    assert.match(mismatch, /JWT_ALG: is RS256 but JWT_PRIVATE_KEY is a ES256 key/);
    assert.doesNotMatch(mismatch + weak, /PRIVATE KEY-----/);
    assert.equal(
      loadConfig({
        APP_ENV: "production",
        ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
        ...PRODUCTION_WEBAUTHN,
        JWT_ALG: "ES256",
        JWT_PRIVATE_KEY: String(ecKey),
      }).JWT_ALG,
      "ES256",
    );
  });

  it("a PEM passed on one line with literal \\n sequences (docker -e, CI secrets) is accepted", () => {
    const oneLine = String(ecKey).trim().replaceAll("\n", "\\n");
    assert.doesNotMatch(oneLine, /\n/);
    assert.equal(
      loadConfig({
        APP_ENV: "production",
        ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
        ...PRODUCTION_WEBAUTHN,
        JWT_ALG: "ES256",
        JWT_PRIVATE_KEY: oneLine,
      }).JWT_ALG,
      "ES256",
    );
  });

  it("a key given both inline and as a file is ambiguous", () => {
    assert.match(
      configProblems({ JWT_PRIVATE_KEY: String(ecKey), JWT_ALG: "ES256", JWT_PRIVATE_KEY_FILE: "/k.pem" }),
      /set either JWT_PRIVATE_KEY or JWT_PRIVATE_KEY_FILE, not both/,
    );
  });

  it("rampart config check masks JWT_PRIVATE_KEY", () => {
    const result = spawnSync(process.execPath, ["bin/rampart.js", "config", "check"], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, JWT_ALG: "ES256", JWT_PRIVATE_KEY: String(ecKey) },
      encoding: "utf8",
      timeout: 15_000,
    });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /JWT_PRIVATE_KEY\s+\*{8}/);
    assert.doesNotMatch(result.stdout, /BEGIN PRIVATE KEY/);
    assert.ok(!result.stdout.includes(String(ecKey).split("\n")[1] ?? "-"), "the key's base64 body is not printed");
  });

  it("the server started in production without a key exits 78 before listening", () => {
    const result = spawnSync(process.execPath, ["src/main.ts"], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        APP_ENV: "production",
        ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
        ...PRODUCTION_WEBAUTHN,
        PORT: "0",
      },
      encoding: "utf8",
      timeout: 15_000,
    });
    assert.equal(result.status, 78);
    assert.match(result.stderr, /JWT_PRIVATE_KEY: is required in production/);
  });

  it("the missing-key message gives a working example: the _FILE variable under its own name", () => {
    const result = spawnSync(process.execPath, ["src/main.ts"], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        APP_ENV: "production",
        ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
        ...PRODUCTION_WEBAUTHN,
        PORT: "0",
      },
      encoding: "utf8",
      timeout: 15_000,
    });
    assert.match(
      result.stderr,
      /JWT_PRIVATE_KEY: is required in production.*JWT_PRIVATE_KEY_FILE=\/run\/secrets\/jwt-private-key\.pem/,
    );
    assert.doesNotMatch(result.stderr, /JWT_PRIVATE_KEY=\/run/, "a path is not a PEM key");
  });

  describe("a key file that cannot serve stops startup with exit 78 and one line naming the problem, no stack", () => {
    const dir = mkdtempSync(join(tmpdir(), "rampart-keyfile-"));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const write = (name: string, pem: string) => {
      const path = join(dir, name);
      writeFileSync(path, pem);
      return path;
    };
    const pem = (key: KeyObject) => key.export({ type: "pkcs8", format: "pem" }).toString();
    const cases: [string, () => Record<string, string>, RegExp][] = [
      [
        "a missing file",
        () => ({ JWT_PRIVATE_KEY_FILE: "/nonexistent/jwt.pem" }),
        /JWT_PRIVATE_KEY_FILE: cannot read \/nonexistent\/jwt\.pem \(ENOENT\)/,
      ],
      [
        "an RSA-1024 key",
        () => ({
          JWT_PRIVATE_KEY_FILE: write(
            "rsa1024.pem",
            pem(generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey),
          ),
        }),
        /JWT_PRIVATE_KEY_FILE \(.*rsa1024\.pem\)/,
      ],
      [
        "an EC key with JWT_ALG=RS256",
        () => ({
          JWT_ALG: "RS256",
          JWT_PRIVATE_KEY_FILE: write("ec.pem", pem(generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey)),
        }),
        /JWT_ALG is RS256 but JWT_PRIVATE_KEY_FILE \(.*ec\.pem\) holds a ES256 key/,
      ],
    ];
    for (const [name, env, reason] of cases) {
      it(name, () => {
        const result = spawnSync(process.execPath, ["src/main.ts"], {
          cwd: ROOT,
          env: {
            PATH: process.env.PATH,
            APP_ENV: "production",
            ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
            ...PRODUCTION_WEBAUTHN,
            PORT: "0",
            DATABASE_URL: "sqlite::memory:",
            ...env(),
          },
          encoding: "utf8",
          timeout: 15_000,
        });
        assert.equal(result.status, 78, result.stderr);
        const lines = result.stderr.split("\n").filter(Boolean);
        assert.equal(lines.length, 1, result.stderr);
        assert.match(lines[0] ?? "", /^Invalid configuration: /);
        assert.match(lines[0] ?? "", reason);
        const fatal = result.stdout
          .split("\n")
          .filter(Boolean)
          .map((line) => JSON.parse(line))
          .find((line) => line.level === "fatal");
        assert.match(fatal?.msg ?? "", /^startup refused: /);
        assert.match(fatal?.msg ?? "", reason);
        assert.equal(fatal?.err, undefined, "no error object, so no stack");
        assert.doesNotMatch(result.stdout + result.stderr, /\n?\s+at .*:\d+:\d+/);
      });
    }
  });
});
