import type { Config } from "../config/settings/index.ts";
import type { DatabaseHandle } from "../platform/db/connect.ts";
import { openDatabaseForServer } from "../platform/db/startup.ts";
import { createLogger } from "../platform/logging/logger.ts";
import type { CliIo } from "./command.ts";
import { loadConfigForCli } from "./config-for-cli.ts";

/**
 * Runs a command's work against the configured database — opened as a server opens it
 * (connect timeout, migrations applied or verified per MIGRATE_ON_START) — and always
 * closes it. Exit 78 for an invalid configuration; a failure is one line on stderr, exit 1.
 */
export async function withDatabase(
  io: CliIo,
  work: (handle: DatabaseHandle, config: Config) => Promise<number>,
): Promise<number> {
  const config = loadConfigForCli(io);
  if (!config) return 78;
  let handle: DatabaseHandle | undefined;
  try {
    handle = await openDatabaseForServer(config, createLogger({ ...config, LOG_LEVEL: "warn" }));
    return await work(handle, config);
  } catch (error) {
    io.stderr.write(`rampart: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await handle?.close();
  }
}
