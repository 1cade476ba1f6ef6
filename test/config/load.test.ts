import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { Type } from "@sinclair/typebox";
import { ConfigError, describeConfig, formatConfigProblems, loadConfig } from "../../src/config/load.ts";
import type { SettingGroup } from "../../src/config/setting.ts";
import { PRODUCTION_WEBAUTHN, TEST_ENCRYPTION_KEY } from "../helpers/config.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

describe("configuration", () => {
  it("applies the documented defaults when nothing is set", () => {
    const config = loadConfig({});
    assert.equal(config.APP_ENV, "development");
    assert.equal(config.HOST, "127.0.0.1");
    assert.equal(config.PORT, 8000);
    assert.equal(config.DATA_DIR, "./data");
    assert.equal(config.SLOW_REQUEST_MS, 1000);
    assert.equal(config.SHUTDOWN_TIMEOUT_MS, 10000);
    assert.ok(Object.isFrozen(config));
  });

  it("derives LOG_FORMAT from APP_ENV unless set", () => {
    assert.equal(loadConfig({ APP_ENV: "development" }).LOG_FORMAT, "pretty");
    assert.equal(
      loadConfig({
        APP_ENV: "production",
        ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
        ...PRODUCTION_WEBAUTHN,
        JWT_PRIVATE_KEY_FILE: "/k.pem",
      }).LOG_FORMAT,
      "json",
    );
    assert.equal(loadConfig({ APP_ENV: "test" }).LOG_FORMAT, "json");
    assert.equal(
      loadConfig({
        APP_ENV: "production",
        ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
        ...PRODUCTION_WEBAUTHN,
        JWT_PRIVATE_KEY_FILE: "/k.pem",
        LOG_FORMAT: "pretty",
      }).LOG_FORMAT,
      "pretty",
    );
  });

  it("converts numbers from strings", () => {
    assert.equal(loadConfig({ PORT: "9001" }).PORT, 9001);
  });

  it("reports every problem at once with the name, what is wrong and an example", () => {
    try {
      loadConfig({ PORT: "70000", APP_ENV: "staging", SLOW_REQUEST_MS: "soon" });
      assert.fail("expected a ConfigError");
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(error.problems.map((p) => p.name).sort(), ["APP_ENV", "PORT", "SLOW_REQUEST_MS"]);
      const text = formatConfigProblems(error.problems);
      assert.match(text, /PORT: must be an integer from 0 to 65535 \(got "70000"\); e\.g\. PORT=8000/);
      assert.match(text, /APP_ENV: must be one of development \| test \| production/);
    }
  });

  it("never echoes the value of a secret, in errors or in the effective configuration", () => {
    const registry: SettingGroup = {
      API_SECRET: {
        schema: Type.String({ minLength: 32 }),
        secret: true,
        description: "a secret",
        example: "x".repeat(32),
      },
    };
    try {
      loadConfig({ API_SECRET: "hunter2-short" }, registry, []);
      assert.fail("expected a ConfigError");
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      const text = formatConfigProblems(error.problems);
      assert.match(text, /API_SECRET/);
      assert.doesNotMatch(text, /hunter2/);
    }
    const config = loadConfig({ API_SECRET: "s".repeat(40) }, registry, []);
    assert.deepEqual(describeConfig(config, registry), { API_SECRET: "********" });
  });

  it("exits the process with status 78 and every problem, without a stack trace", () => {
    const result = spawnSync(process.execPath, ["src/main.ts"], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, PORT: "-1", LOG_LEVEL: "chatty", APP_ENV: "qa" },
      encoding: "utf8",
      timeout: 15_000,
    });
    assert.equal(result.status, 78);
    assert.match(result.stderr, /Invalid configuration \(3 problems\)/);
    for (const name of ["PORT", "LOG_LEVEL", "APP_ENV"]) assert.match(result.stderr, new RegExp(`- ${name}: `));
    assert.doesNotMatch(result.stderr, /\n\s+at /, "no stack trace");
  });
});
