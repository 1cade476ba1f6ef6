import type { Kysely, Transaction } from "kysely";
import type { Database } from "./schema.ts";

/** Either the database or an open transaction: repositories accept both. */
export type Executor = Kysely<Database> | Transaction<Database>;

/**
 * Runs `work` in a transaction: commit when it resolves, roll back when it throws (and
 * rethrow). Inside an existing transaction it joins it, so services compose.
 */
export function withTransaction<T>(db: Executor, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  if (db.isTransaction) return work(db as Transaction<Database>);
  return db.transaction().execute(work);
}
