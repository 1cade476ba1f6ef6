import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { loadConfig } from "../../src/config/load.ts";
import { configProblems, TEST_ENCRYPTION_KEY } from "../helpers/config.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** A production configuration that passes every rule; each test breaks one thing. */
const SAFE: Record<string, string> = {
  APP_ENV: "production",
  ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
  JWT_PRIVATE_KEY_FILE: "/run/secrets/jwt-private-key.pem",
  DATABASE_URL: "postgres://rampart:secret@db:5432/rampart",
  CORS_ORIGINS: "https://app.example.com",
  WEBAUTHN_RP_ID: "example.com",
  WEBAUTHN_ORIGINS: "https://app.example.com,https://admin.example.com",
};

describe("production profile", () => {
  it("accepts a safe production configuration, with several workers and instances on PostgreSQL", () => {
    const config = loadConfig({ ...SAFE, WORKERS: "auto", INSTANCE_COUNT: "3" });
    assert.equal(config.WORKERS, "auto");
    assert.equal(config.INSTANCE_COUNT, 3);
  });

  it("refuses a missing signing key", () => {
    const { JWT_PRIVATE_KEY_FILE: _, ...withoutKey } = SAFE;
    assert.match(configProblems(withoutKey), /JWT_PRIVATE_KEY: is required in production/);
  });

  it("refuses a development signing key from <DATA_DIR>/keys", () => {
    const problems = configProblems({
      ...SAFE,
      DATA_DIR: "/srv/rampart",
      JWT_PRIVATE_KEY_FILE: "/srv/rampart/keys/key.abc.json",
    });
    assert.match(
      problems,
      /JWT_PRIVATE_KEY_FILE: points into <DATA_DIR>\/keys, where development signing keys are generated/,
    );
    const relative = configProblems({ ...SAFE, DATA_DIR: "./data", JWT_PRIVATE_KEY_FILE: "data/keys/../keys/k.pem" });
    assert.match(relative, /JWT_PRIVATE_KEY_FILE: points into <DATA_DIR>\/keys/);
    // A sibling directory whose name merely starts like the key directory is fine.
    assert.equal(
      loadConfig({ ...SAFE, DATA_DIR: "/srv/rampart", JWT_PRIVATE_KEY_FILE: "/srv/rampart/keys2/k.pem" }).APP_ENV,
      "production",
    );
    // Outside production the development directory is where keys come from.
    assert.equal(loadConfig({ JWT_PRIVATE_KEY_FILE: "data/keys/k.pem" }).APP_ENV, "development");
  });

  it("refuses wildcard CORS, even without credentials", () => {
    const problems = configProblems({ ...SAFE, CORS_ORIGINS: "*", CORS_CREDENTIALS: "false" });
    assert.match(problems, /CORS_ORIGINS: \* \(any origin\) is refused in production: list the exact origins/);
    assert.equal(loadConfig({ APP_ENV: "test", CORS_ORIGINS: "*", CORS_CREDENTIALS: "false" }).CORS_ORIGINS, "*");
  });

  it("refuses refresh cookies without Secure", () => {
    assert.match(configProblems({ ...SAFE, COOKIE_SECURE: "false" }), /COOKIE_SECURE: must be true in production/);
  });

  it("refuses SQLite with several workers or several instances", () => {
    const { DATABASE_URL: _, ...onSqlite } = SAFE;
    assert.match(
      configProblems({ ...onSqlite, WORKERS: "4" }),
      /WORKERS: is 4 but the database is SQLite, which serves one process/,
    );
    assert.match(configProblems({ ...onSqlite, WORKERS: "auto" }), /WORKERS: is auto but the database is SQLite/);
    assert.match(
      configProblems({ ...SAFE, DATABASE_URL: "sqlite:/srv/rampart.db", INSTANCE_COUNT: "2" }),
      /INSTANCE_COUNT: is 2 but the database is SQLite, a file on one host/,
    );
    assert.equal(loadConfig({ ...onSqlite, WORKERS: "1", INSTANCE_COUNT: "1" }).WORKERS, "1");
    // Development may share a SQLite file between workers; an in-memory database never.
    assert.equal(loadConfig({ WORKERS: "2" }).WORKERS, "2");
    assert.match(
      configProblems({ DATABASE_URL: "sqlite::memory:", WORKERS: "2" }),
      /WORKERS: is 2 but an in-memory SQLite/,
    );
  });

  it("refuses to start without the passkeys' RP ID and origins, and with origins passkeys could never use", () => {
    const { WEBAUTHN_RP_ID: _, WEBAUTHN_ORIGINS: __, ...without } = SAFE;
    const missing = configProblems(without);
    assert.match(missing, /WEBAUTHN_RP_ID: is required in production: the domain passkeys are bound to/);
    assert.match(missing, /WEBAUTHN_ORIGINS: is required in production: the exact origins/);
    assert.match(
      configProblems({ ...SAFE, WEBAUTHN_ORIGINS: "https://app.example.org" }),
      /WEBAUTHN_ORIGINS: hosts must be WEBAUTHN_RP_ID \(example\.com\) or below it \(got https:\/\/app\.example\.org\)/,
    );
    // A look-alike suffix is not "below" the RP ID.
    assert.match(
      configProblems({ ...SAFE, WEBAUTHN_ORIGINS: "https://evilexample.com" }),
      /hosts must be WEBAUTHN_RP_ID/,
    );
    assert.match(
      configProblems({ ...SAFE, WEBAUTHN_ORIGINS: "http://app.example.com" }),
      /WEBAUTHN_ORIGINS: must be https:\/\/ in production/,
    );
    assert.match(
      configProblems({ ...SAFE, WEBAUTHN_ORIGINS: "https://app.example.com/login" }),
      /WEBAUTHN_ORIGINS: entries must be origins exactly as browsers send them/,
    );
    // The client data carries the browser's serialisation: anything else could never match.
    for (const origin of ["https://App.example.com", "https://app.example.com:443", "https://app.example.com."])
      assert.match(configProblems({ ...SAFE, WEBAUTHN_ORIGINS: origin }), /WEBAUTHN_ORIGINS: entries must be origins/);
    assert.match(configProblems({ ...SAFE, WEBAUTHN_RP_ID: "https://example.com" }), /WEBAUTHN_RP_ID: must be/);
    // Outside production: localhost, the development front end and this server.
    const development = loadConfig({ PORT: "8123" });
    assert.equal(development.WEBAUTHN_RP_ID, "localhost");
    assert.equal(development.WEBAUTHN_ORIGINS, "http://localhost:3000,http://localhost:8123");
    // A PORT that did not parse is reported alone, without a derived origin built on it.
    assert.doesNotMatch(configProblems({ PORT: "x" }), /WEBAUTHN/);
  });

  it("refuses a malformed WORKERS", () => {
    assert.match(configProblems({ WORKERS: "0" }), /WORKERS: must be auto or a whole number from 1 to 999/);
    assert.match(configProblems({ WORKERS: "many" }), /WORKERS: must be auto or a whole number/);
  });

  it("lists every problem in one run: bad values and the cross-setting and production rules on what parsed", () => {
    const problems = configProblems({
      APP_ENV: "production",
      ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      // Three values that do not parse…
      LOG_LEVEL: "loud",
      DB_POOL_MAX: "0",
      SHUTDOWN_TIMEOUT_MS: "soon",
      // …and every rule still judged on the rest.
      CORS_ORIGINS: "*",
      CORS_CREDENTIALS: "false",
      TRUST_PROXY: "true",
      COOKIE_SECURE: "false",
      WORKERS: "2",
      PORT: "8000",
      METRICS_PORT: "8000",
      RATE_LIMIT_USER: "min=100,hour=1000,burst=10",
    });
    const expected = [
      /LOG_LEVEL: must be one of/,
      /DB_POOL_MAX: must be an integer from 1 to 1000/,
      /SHUTDOWN_TIMEOUT_MS: must be an integer/,
      /CORS_ORIGINS: \* \(any origin\) is refused in production/,
      /TRUST_PROXY: /,
      /COOKIE_SECURE: must be true in production/,
      /WORKERS: is 2 but the database is SQLite/,
      /METRICS_PORT: must differ from PORT/,
      /JWT_PRIVATE_KEY: is required in production/,
      /RATE_LIMIT_USER: burst must be at least min/,
      /WEBAUTHN_RP_ID: is required in production/,
      /WEBAUTHN_ORIGINS: is required in production/,
    ];
    for (const pattern of expected) assert.match(problems, pattern);
    assert.match(problems, /^Invalid configuration \(12 problems\):/);
  });

  it("skips only the rules that read a value which did not parse (no verdict on a guess)", () => {
    // DATABASE_URL does not parse: whether WORKERS=2 is safe depends on it, so it is not judged…
    const problems = configProblems({
      ...SAFE,
      DATABASE_URL: "mysql://db/rampart",
      WORKERS: "2",
      COOKIE_SECURE: "false",
    });
    assert.match(problems, /DATABASE_URL: must be one of postgres/);
    assert.doesNotMatch(problems, /WORKERS:/);
    // …while the rules that do not read it still are.
    assert.match(problems, /COOKIE_SECURE: must be true in production/);
  });

  it("the server exits 78 before listening, listing every unsafe setting at once without secrets", () => {
    const result = spawnSync(process.execPath, ["src/main.ts"], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        APP_ENV: "production",
        ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
        PORT: "0",
        CORS_ORIGINS: "*",
        CORS_CREDENTIALS: "false",
        COOKIE_SECURE: "false",
        WORKERS: "2",
        DATABASE_URL: "sqlite:/tmp/never-created.db",
      },
      encoding: "utf8",
      timeout: 15_000,
    });
    assert.equal(result.status, 78, result.stderr);
    for (const name of ["JWT_PRIVATE_KEY", "CORS_ORIGINS", "COOKIE_SECURE", "WORKERS", "WEBAUTHN_RP_ID"]) {
      assert.match(result.stderr, new RegExp(`  - ${name}: `));
    }
    assert.doesNotMatch(result.stderr, /never-created/, "DATABASE_URL is a secret");
    assert.equal(result.stdout, "");
  });
});
