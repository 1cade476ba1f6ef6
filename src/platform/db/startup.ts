import type { Config } from "../../config/settings/index.ts";
import type { Logger } from "../logging/logger.ts";
import { withTimeout } from "../timeout.ts";
import { type DatabaseHandle, openDatabase } from "./connect.ts";
import { loadMigrations, migrateUp, PendingMigrationsError, verifyMigrations } from "./migrator.ts";

/**
 * Opens the database for a server process: reachable within DB_CONNECT_TIMEOUT_MS or
 * startup fails with the reason; applied migrations must match their files; pending ones
 * are applied when MIGRATE_ON_START is on — unless `migrate` is false: cluster workers
 * only verify, because their supervisor migrated once before forking them. Pending
 * migrations that are not applied refuse the start (PendingMigrationsError): code on an
 * older schema fails request by request ("no such table"), which is worse than not
 * starting — unless SERVE_PENDING_MIGRATIONS says this release works on the older schema.
 */
export async function openDatabaseForServer(
  config: Config,
  logger: Logger,
  { migrate = config.MIGRATE_ON_START }: { migrate?: boolean } = {},
): Promise<DatabaseHandle> {
  const handle = openDatabase(config, logger);
  try {
    await withTimeout(handle.ping(), config.DB_CONNECT_TIMEOUT_MS, "database");
    const migrations = await loadMigrations();
    if (migrate) {
      const applied = await migrateUp(handle, migrations, logger);
      if (applied.length > 0) logger.info({ applied }, "migrations applied at startup");
    } else {
      const pending = await verifyMigrations(handle, migrations);
      if (pending.length > 0 && !config.SERVE_PENDING_MIGRATIONS) throw new PendingMigrationsError(pending);
      if (pending.length > 0) logger.warn({ pending }, "serving with migrations pending (SERVE_PENDING_MIGRATIONS)");
    }
    return handle;
  } catch (error) {
    await handle.close().catch(() => {});
    throw error;
  }
}
