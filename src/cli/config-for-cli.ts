import { loadConfigReporting } from "../config/load-reporting.ts";
import type { Config } from "../config/settings/index.ts";
import type { CliIo } from "./command.ts";

/** Loads the configuration for a CLI command; prints every problem and returns undefined when invalid. */
export function loadConfigForCli(io: CliIo): Config | undefined {
  return loadConfigReporting(io.env, io.stderr);
}
