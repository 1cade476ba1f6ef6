import { resolve } from "node:path";
import type { Config } from "../../config/settings/index.ts";
import { systemClock } from "../../platform/clock.ts";
import { openDatabase, resolveDatabaseLocation } from "../../platform/db/connect.ts";
import { loadMigrations, migrationStatus } from "../../platform/db/migrator.ts";
import { backupSqlite, restoreSqlite } from "../../platform/db/sqlite-backup.ts";
import { createLogger } from "../../platform/logging/logger.ts";
import type { CliCommand, CliIo } from "../command.ts";
import { UsageError } from "../command.ts";
import { loadConfigForCli } from "../config-for-cli.ts";
import { verifyAndReport } from "./audit.ts";

const POSTGRES_BACKUP = `rampart backup copies SQLite only. For PostgreSQL:
  - point-in-time recovery: continuous WAL archiving with base backups (pgBackRest, WAL-G, or your provider's PITR);
  - a logical copy: pg_dump -Fc "$DATABASE_URL" -f rampart.dump (restore: pg_restore --clean --if-exists -d "$DATABASE_URL" rampart.dump);
  then rampart migrate status and rampart audit verify (docs/operations.md, "Backups").
`;

/**
 * The file named on the command line and the SQLite database the configuration points to;
 * or the exit code when there is none: 78 for an invalid configuration, 1 on PostgreSQL
 * (after saying how to back it up instead).
 */
function sqliteTarget(
  positionals: readonly string[],
  io: CliIo,
): { file: string; config: Config; path: string } | number {
  const [file, ...extra] = positionals;
  if (!file || extra.length > 0) throw new UsageError("exactly one file is needed");
  const config = loadConfigForCli(io);
  if (!config) return 78;
  const location = resolveDatabaseLocation(config);
  if (location.engine === "postgres") {
    io.stderr.write(POSTGRES_BACKUP);
    return 1;
  }
  return { file: resolve(file), config, path: location.path };
}

function failing(io: CliIo, error: unknown): number {
  io.stderr.write(`rampart: ${(error as Error).message}\n`);
  return 1;
}

export const backupCommand: CliCommand = {
  name: "backup",
  summary:
    "Copy the SQLite database to a new file with VACUUM INTO, safe while the server writes (PostgreSQL: explains pg_dump and WAL archiving)",
  usage: "rampart backup <file>",
  positionals: true,
  async run(args, io) {
    const target = sqliteTarget(args.positionals, io);
    if (typeof target === "number") return target;
    try {
      const done = backupSqlite(target.path, target.file, target.config.SQLITE_BUSY_TIMEOUT_MS);
      io.stdout.write(
        `backed up ${target.path} to ${target.file}: ${done.bytes} bytes in ${Math.round(done.ms)} ms, integrity ok\n`,
      );
      return 0;
    } catch (error) {
      return failing(io, error);
    }
  },
};

/**
 * The restore steps in order: the backup is checked, the server must be stopped (the
 * database in use is refused), the old database and its -wal/-shm files are set aside,
 * the backup is put in place; then the migrations and the audit trail are checked, as an
 * operator would by hand.
 */
export const restoreCommand: CliCommand = {
  name: "restore",
  summary:
    "Replace the SQLite database with a backup (stop the server first), then check migrations and the audit trail",
  usage: "rampart restore <file>",
  positionals: true,
  async run(args, io) {
    const target = sqliteTarget(args.positionals, io);
    if (typeof target === "number") return target;
    const { config, file: backup } = target;
    try {
      const aside = restoreSqlite(target.path, backup, systemClock.now());
      io.stdout.write(`restored ${backup} to ${target.path}\n`);
      if (aside) io.stdout.write(`the previous database is kept as ${aside} (delete it once you are satisfied)\n`);
    } catch (error) {
      return failing(io, error);
    }
    const handle = openDatabase(config, createLogger({ ...config, LOG_LEVEL: "warn" }));
    try {
      const statuses = await migrationStatus(handle, await loadMigrations());
      const pending = statuses.filter((s) => s.state === "pending").map((s) => s.name);
      const wrong = statuses.filter((s) => s.state === "changed" || s.state === "missing");
      for (const s of wrong) io.stdout.write(`migration ${s.name}: ${s.state}\n`);
      io.stdout.write(
        pending.length > 0
          ? `migrations: ${pending.length} pending (${pending.join(", ")}), applied when the server starts\n`
          : "migrations: up to date\n",
      );
      const intact = await verifyAndReport(handle.db, io);
      return wrong.length === 0 && intact ? 0 : 1;
    } catch (error) {
      return failing(io, error);
    } finally {
      await handle.close();
    }
  },
};
