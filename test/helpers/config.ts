import assert from "node:assert/strict";
import { ConfigError, formatConfigProblems, loadConfig } from "../../src/config/load.ts";

/** The problems loading `env` reports, formatted as the process prints them; fails if it loads. */
export function configProblems(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return formatConfigProblems(error.problems);
  }
  assert.fail("expected a ConfigError");
}
