import { copyFileSync, existsSync, renameSync, rmSync, statSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";

/** The files SQLite keeps next to a database in WAL mode. */
const SIDE_FILES = ["-wal", "-shm"] as const;

export interface SqliteBackup {
  readonly bytes: number;
  readonly ms: number;
}

/**
 * A consistent copy of a live database with `VACUUM INTO`: one read transaction over a
 * snapshot, so it finishes under steady writes (WAL readers and writers do not block each
 * other) — unlike the `.backup` API, which restarts whenever another connection writes.
 * The copy is compact, in rollback-journal mode, and checked with `integrity_check`.
 */
export function backupSqlite(dbPath: string, target: string, busyTimeoutMs: number): SqliteBackup {
  if (!existsSync(dbPath)) throw new Error(`no database at ${dbPath}`);
  if (existsSync(target)) throw new Error(`${target} already exists; back up to a new file`);
  const started = performance.now();
  const db = new DatabaseSync(dbPath, { timeout: busyTimeoutMs });
  try {
    db.prepare("VACUUM INTO ?").run(target);
  } finally {
    db.close();
  }
  checkSqliteBackup(target);
  return { bytes: statSync(target).size, ms: performance.now() - started };
}

/** Throws unless `path` is an intact SQLite database that Rampart's migrations created. */
export function checkSqliteBackup(path: string): void {
  if (!existsSync(path)) throw new Error(`no backup at ${path}`);
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path, { readOnly: true });
  } catch (error) {
    throw new Error(`${path} cannot be opened as a SQLite database: ${(error as Error).message}`);
  }
  try {
    const rows = db.prepare("PRAGMA integrity_check").all() as { integrity_check: string }[];
    const problems = rows.map((r) => r.integrity_check).filter((r) => r !== "ok");
    if (problems.length > 0) throw new Error(`${path} fails integrity_check: ${problems.slice(0, 3).join("; ")}`);
    const history = db.prepare("select name from sqlite_master where type = 'table' and name = 'rampart_migrations'");
    if (!history.get()) throw new Error(`${path} is not a Rampart database (no rampart_migrations table)`);
  } catch (error) {
    if ((error as Error).message.startsWith(path)) throw error;
    throw new Error(`${path} is not a usable SQLite database: ${(error as Error).message}`);
  } finally {
    db.close();
  }
}

/** The database is open in another process (a running server): restoring under it would corrupt both. */
export class DatabaseInUseError extends Error {}

/**
 * Leaving WAL mode needs every other connection closed: SQLite refuses with "database is
 * locked" while a server holds the file open, and otherwise checkpoints the WAL (a crashed
 * process's committed writes included) and removes the -wal and -shm files.
 */
function assertNotInUse(dbPath: string): void {
  if (!existsSync(dbPath)) return;
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(dbPath, { timeout: 0 });
    db.exec("PRAGMA journal_mode = DELETE");
  } catch (error) {
    const message = (error as Error).message;
    if (/locked|busy/i.test(message))
      throw new DatabaseInUseError(`${dbPath} is in use: stop every rampart process using it, then restore`);
    // A damaged database (the reason for many restores) cannot be opened: it is set aside below all the same.
  } finally {
    db?.close();
  }
}

/**
 * Replaces the database file with a checked backup: refuses while the database is in use,
 * sets the current file and its -wal/-shm aside as `<db>.before-restore-<stamp>` (a stale
 * -wal next to a replaced file is what "database disk image is malformed" comes from), then
 * copies the backup next to the database and renames it into place. Returns where the old
 * database went (undefined when there was none).
 */
export function restoreSqlite(dbPath: string, backupPath: string, now: Date): string | undefined {
  checkSqliteBackup(backupPath);
  assertNotInUse(dbPath);
  const aside = `${dbPath}.before-restore-${now.toISOString().replaceAll(":", "-")}`;
  const hadDatabase = existsSync(dbPath);
  if (hadDatabase) renameSync(dbPath, aside);
  for (const suffix of SIDE_FILES) if (existsSync(dbPath + suffix)) renameSync(dbPath + suffix, aside + suffix);
  const incoming = `${dbPath}.restoring`;
  rmSync(incoming, { force: true });
  copyFileSync(backupPath, incoming);
  renameSync(incoming, dbPath);
  return hadDatabase ? aside : undefined;
}
