import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";

const ROOT = new URL("../../", import.meta.url).pathname;

function rampart(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ["bin/rampart.js", ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env },
    encoding: "utf8",
    timeout: 15_000,
  });
}

describe("rampart CLI", () => {
  it("help lists the commands", () => {
    const result = rampart(["help"]);
    assert.equal(result.status, 0);
    for (const name of ["serve", "config check", "version", "help"]) assert.match(result.stdout, new RegExp(name));
  });

  it("version prints the package version", () => {
    const result = rampart(["version"]);
    assert.equal(result.status, 0);
    assert.match(result.stdout, /^rampart \d+\.\d+\.\d+\n$/);
  });

  it("an unknown command prints usage on stderr and exits 64", () => {
    const result = rampart(["frobnicate"]);
    assert.equal(result.status, 64);
    assert.match(result.stderr, /unknown command "frobnicate"/);
    assert.match(result.stderr, /Usage: rampart/);
    assert.equal(result.stdout, "");
  });

  it("an unknown flag prints usage on stderr and exits 64", () => {
    const result = rampart(["version", "--verbose"]);
    assert.equal(result.status, 64);
    assert.match(result.stderr, /Unknown option '--verbose'/);
  });

  it("config check prints the effective configuration", () => {
    const result = rampart(["config", "check"], { PORT: "9999" });
    assert.equal(result.status, 0);
    assert.match(result.stdout, /Configuration is valid/);
    assert.match(result.stdout, /PORT\s+9999/);
  });

  it("config check exits 78 listing every problem", () => {
    const result = rampart(["config", "check"], { PORT: "x", SHUTDOWN_TIMEOUT_MS: "-5" });
    assert.equal(result.status, 78);
    assert.match(result.stderr, /PORT/);
    assert.match(result.stderr, /SHUTDOWN_TIMEOUT_MS/);
  });
});
