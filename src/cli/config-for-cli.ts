import { readEnvironment } from "../config/env-file.ts";
import { ConfigError, formatConfigProblems, loadConfig } from "../config/load.ts";
import type { Config } from "../config/settings/index.ts";
import type { CliIo } from "./command.ts";

/** Loads the configuration for a CLI command; prints every problem and returns undefined when invalid. */
export function loadConfigForCli(io: CliIo): Config | undefined {
  try {
    return loadConfig(readEnvironment(io.env));
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr.write(formatConfigProblems(error.problems));
      return undefined;
    }
    throw error;
  }
}
