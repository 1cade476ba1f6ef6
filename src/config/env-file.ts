import { existsSync, readFileSync } from "node:fs";
import { parseEnv } from "node:util";
import type { Env } from "./load.ts";

/**
 * The process environment, with values from a `.env` file underneath it when one exists.
 * Real environment variables win, so a deployment can always override the file.
 */
export function readEnvironment(processEnv: Env, envFile = ".env"): Env {
  if (!existsSync(envFile)) return processEnv;
  return { ...parseEnv(readFileSync(envFile, "utf8")), ...processEnv };
}
