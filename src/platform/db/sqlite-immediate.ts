import type { DatabaseConnection, SqliteDialectConfig } from "kysely";
import { CompiledQuery, SqliteDialect, SqliteDriver } from "./kysely.ts";

/**
 * SQLite transactions opened with `BEGIN IMMEDIATE`: the write lock is taken when the
 * transaction starts, not at its first write. A deferred transaction that reads and then
 * writes can meet another process's writer half-way and fail with SQLITE_BUSY at once
 * (the busy timeout does not apply to a lock upgrade); an immediate one waits its turn
 * like PostgreSQL's `FOR UPDATE` does, so a decision read inside the transaction is still
 * true when it is written (docs/architecture.md, "Locking discipline"). Within one process
 * Kysely already hands the single connection to one transaction at a time.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }
}

export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): SqliteDriver {
    return new ImmediateSqliteDriver(this.#config);
  }
}
