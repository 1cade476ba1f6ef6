import type { CliCommand } from "../command.ts";
import { accessMatrixCommand } from "./access-matrix.ts";
import { auditPruneCommand, auditVerifyCommand } from "./audit.ts";
import { backupCommand, restoreCommand } from "./backup.ts";
import { configCheckCommand, configExampleCommand, serveCommand, versionCommand } from "./core.ts";
import { doctorCommand } from "./doctor.ts";
import { keysRotateEncryptionCommand } from "./encryption.ts";
import { keysListCommand, keysRotateCommand } from "./keys.ts";
import { migrateDownCommand, migrateStatusCommand, migrateUpCommand } from "./migrate.ts";
import { openapiCommand } from "./openapi.ts";
import {
  flagsListCommand,
  flagsSetCommand,
  killSwitchDisableCommand,
  killSwitchEnableCommand,
  killSwitchStatusCommand,
} from "./switches.ts";
import { usersCreateAdminCommand, usersResetFactorsCommand } from "./users.ts";
import { webhooksVerifyCommand } from "./webhooks.ts";

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
  keysRotateCommand,
  keysListCommand,
  keysRotateEncryptionCommand,
  killSwitchStatusCommand,
  killSwitchEnableCommand,
  killSwitchDisableCommand,
  flagsListCommand,
  flagsSetCommand,
  usersCreateAdminCommand,
  usersResetFactorsCommand,
  accessMatrixCommand,
  doctorCommand,
  auditVerifyCommand,
  auditPruneCommand,
  backupCommand,
  restoreCommand,
  webhooksVerifyCommand,
];
