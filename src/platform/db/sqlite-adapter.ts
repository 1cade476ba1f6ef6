import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { SqliteDatabase, SqliteStatement } from "kysely";

type SqliteValue = null | number | bigint | string | Uint8Array;

/** node:sqlite binds only null, numbers, bigints, strings and bytes; booleans become 0/1, dates ISO text. */
function toSqlite(value: unknown): SqliteValue {
  if (value === undefined || value === null) return null;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "string") return value;
  if (value instanceof Uint8Array) return value;
  return JSON.stringify(value);
}

const NOTHING_TO_ROLL_BACK: SqliteStatement = {
  reader: false,
  all: () => [],
  run: () => ({ changes: 0, lastInsertRowid: 0 }),
  iterate: () => [][Symbol.iterator](),
};

/**
 * Adapts node:sqlite's DatabaseSync to the better-sqlite3-shaped interface Kysely's
 * SqliteDialect drives. Prepared statements are cached per SQL text (bounded), because
 * preparing on every query costs more than running most of our queries.
 */
export function openSqlite(path: string, busyTimeoutMs: number): SqliteDatabase & { raw: DatabaseSync } {
  const raw = new DatabaseSync(path, { timeout: busyTimeoutMs });
  if (path !== ":memory:") raw.exec("PRAGMA journal_mode = WAL");
  raw.exec("PRAGMA foreign_keys = ON");
  raw.exec("PRAGMA synchronous = NORMAL");
  const cache = new Map<string, StatementSync>();
  return {
    raw,
    close: () => raw.close(),
    prepare(sql: string): SqliteStatement {
      // SQLite rolls a transaction back by itself on some errors (SQLITE_FULL, SQLITE_IOERR):
      // Kysely's rollback then fails with "cannot rollback - no transaction is active" and
      // replaces the real error (a full disk became a 500 with that message). Nothing to undo.
      if (/^rollback$/i.test(sql.trim()) && !raw.isTransaction) return NOTHING_TO_ROLL_BACK;
      let stmt = cache.get(sql);
      if (!stmt) {
        stmt = raw.prepare(sql);
        if (cache.size >= 500) cache.delete(cache.keys().next().value as string);
        cache.set(sql, stmt);
      }
      const statement = stmt;
      return {
        reader: statement.columns().length > 0,
        all: (params) => statement.all(...params.map(toSqlite)),
        run: (params) => statement.run(...params.map(toSqlite)),
        iterate: (params) => statement.iterate(...params.map(toSqlite)) as IterableIterator<unknown>,
      };
    },
  };
}
