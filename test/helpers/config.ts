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

/**
 * Production refuses to start without a passkey RP ID and origins (src/config/settings/webauthn.ts):
 * tests of other production rules give these.
 */
export const PRODUCTION_WEBAUTHN: Readonly<Record<string, string>> = {
  WEBAUTHN_RP_ID: "example.com",
  WEBAUTHN_ORIGINS: "https://app.example.com",
};
