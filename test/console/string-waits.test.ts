import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { sourceFiles } from "../helpers/source-scan.ts";

/*
 * Playwright polls a string predicate of waitForFunction with eval, which the console's
 * Content-Security-Policy (script-src 'self') refuses: such a wait passes only when its first
 * check (made over CDP, outside the CSP) is already true, so it fails now and then, as one did in CI.
 * Browser tests wait with locators, or with a function predicate on a page without that policy.
 */
/** The whole test tree, wherever the runner was started from (as the other source scans find src/). */
const TESTS = join(import.meta.dirname, "..");

describe("browser tests' waits", () => {
  it("never hand waitForFunction a string to evaluate", () => {
    const offenders = sourceFiles(TESTS).flatMap((file) =>
      [...readFileSync(file, "utf8").matchAll(/waitForFunction\(\s*["'`]/g)].map((match) => `${file}@${match.index}`),
    );
    assert.deepEqual(offenders, []);
  });
});
