import type { ParseArgsConfig } from "node:util";
import type { Env } from "../config/load.ts";

export interface CliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: Env;
}

export interface CliCommand {
  /** The words that select it, e.g. "config check" or "migrate up". */
  readonly name: string;
  readonly summary: string;
  readonly usage?: string;
  readonly options?: ParseArgsConfig["options"];
  /** Whether extra positional arguments are accepted after the name. */
  readonly positionals?: boolean;
  run(args: CommandArgs, io: CliIo): Promise<number>;
}

export interface CommandArgs {
  readonly values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  readonly positionals: readonly string[];
}

/** sysexits.h EX_USAGE. */
export const EXIT_USAGE = 64;

/** A usage error raised by a command: printed with the usage, exit 64. */
export class UsageError extends Error {}
