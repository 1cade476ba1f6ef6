import { setTimeout as sleep } from "node:timers/promises";
import type { SelectQueryBuilder, Transaction } from "kysely";
import { contentionError, isTransactionConflict } from "./errors.ts";
import { PostgresAdapter } from "./kysely.ts";
import type { Database } from "./schema.ts";
import type { Executor } from "./transaction.ts";

/**
 * The locking discipline of every state transition (docs/architecture.md, "Locking
 * discipline"): the rows a decision depends on are read inside the transaction that acts on
 * it, locked, in one global order; a deadlock or serialization failure re-runs the whole
 * transaction a bounded number of times, then answers 503 — never 500, and never after a
 * one-time token was spent (tokens are consumed inside the transaction, so a rollback
 * un-spends them).
 */

export const CONFLICT_ATTEMPTS = 4;

/**
 * Runs `work` in a transaction, re-running it from the start when the database aborted it
 * for a deadlock or serialization failure. `work` must do nothing outside the transaction
 * that cannot be repeated (no mail, no cache writes: do those after it resolves). Inside an
 * existing transaction it joins it: the outermost caller owns the retries.
 */
export async function inLockedTransaction<T>(
  db: Executor,
  work: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  if (db.isTransaction) return work(db as Transaction<Database>);
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(work);
    } catch (error) {
      if (!isTransactionConflict(error)) throw error;
      if (attempt >= CONFLICT_ATTEMPTS) throw contentionError();
      // Jittered so the transactions that collided do not collide again in step.
      await sleep(Math.random() * 10 * attempt);
    }
  }
}

/** Whether the executor speaks PostgreSQL (row locks); SQLite serialises writers instead. */
export function hasRowLocks(db: Executor): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * `FOR UPDATE` on PostgreSQL; on SQLite the query as is, since `BEGIN IMMEDIATE` (and the
 * single connection) already make the transaction the only writer.
 */
export function forUpdate<DB, TB extends keyof DB, O>(
  db: Executor,
  query: SelectQueryBuilder<DB, TB, O>,
): SelectQueryBuilder<DB, TB, O> {
  return hasRowLocks(db) ? query.forUpdate() : query;
}

/**
 * `FOR NO KEY UPDATE`: serialises the transitions of one row (a company) without blocking
 * inserts of rows that merely reference it (their foreign-key check takes `FOR KEY SHARE`).
 */
export function forNoKeyUpdate<DB, TB extends keyof DB, O>(
  db: Executor,
  query: SelectQueryBuilder<DB, TB, O>,
): SelectQueryBuilder<DB, TB, O> {
  return hasRowLocks(db) ? query.forNoKeyUpdate() : query;
}
