import { readEnvironment } from "./env-file.ts";
import { ConfigError, type Env, formatConfigProblems, loadConfig } from "./load.ts";
import type { Config } from "./settings/index.ts";

/**
 * Reads the environment (and `.env`) into a Config; when it is invalid, writes every
 * problem to `stderr` and returns undefined, so the server and each CLI command report
 * configuration errors the same way and choose their own exit.
 */
export function loadConfigReporting(env: Env, stderr: NodeJS.WritableStream): Config | undefined {
  try {
    return loadConfig(readEnvironment(env));
  } catch (error) {
    if (error instanceof ConfigError) {
      stderr.write(formatConfigProblems(error.problems));
      return undefined;
    }
    throw error;
  }
}
