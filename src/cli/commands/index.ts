import type { CliCommand } from "../command.ts";
import { configCheckCommand, configExampleCommand, serveCommand, versionCommand } from "./core.ts";
import { migrateDownCommand, migrateStatusCommand, migrateUpCommand } from "./migrate.ts";
import { openapiCommand } from "./openapi.ts";

/** Every `rampart` subcommand. A capability adds its commands here. */
export const commands: readonly CliCommand[] = [
  serveCommand,
  configCheckCommand,
  configExampleCommand,
  versionCommand,
  migrateUpCommand,
  migrateDownCommand,
  migrateStatusCommand,
  openapiCommand,
];
