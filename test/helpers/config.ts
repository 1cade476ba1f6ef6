import assert from "node:assert/strict";
import { ConfigError, formatConfigProblems, loadConfig } from "../../src/config/load.ts";

/**
 * Production refuses to start without ENCRYPTION_KEY; tests of the production profile use this
 * one (random-looking, not the documented example). Tests only: it is in the source code.
 */
export const TEST_ENCRYPTION_KEY = "tK8vQ2mZr5Lw9XcN3bHj7YpF4sDg6aE1-test-only-sealing-key";

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

/**
 * Production refuses to start without a passkey RP ID and origins (src/config/settings/webauthn.ts):
 * tests of other production rules give these.
 */
export const PRODUCTION_WEBAUTHN: Readonly<Record<string, string>> = {
  WEBAUTHN_RP_ID: "example.com",
  WEBAUTHN_ORIGINS: "https://app.example.com",
};
