import { setTimeout as sleep } from "node:timers/promises";
import type { LightMyRequestResponse } from "fastify";
import { sql, type Transaction } from "kysely";
import { hasRowLocks } from "../../src/platform/db/locked-transaction.ts";
import type { Database } from "../../src/platform/db/schema.ts";
import type { IdentityHarness } from "../helpers/identity.ts";

/**
 * A barrier that makes two requests overlap for certain on PostgreSQL. Two requests fired
 * together rarely overlap where it matters when one of them first spends tens of
 * milliseconds outside the database (a password check): their transactions simply run one
 * after the other. So the test holds the lock the FIRST request's transaction takes last —
 * an audit chain head, the last lock of every transition (docs/architecture.md) — fires it,
 * waits until its transaction is blocked there (holding every other lock it took), fires
 * the SECOND and waits until that one is blocked too (on the first, or on us), then lets
 * go. Whatever the second read before blocking, it read before the first committed: the
 * interleaving the locking discipline exists for, every try. SQLite has no row locks to
 * hold (and a second connection's write lock would block the whole process), so there the
 * two are fired together as they are.
 */
export async function overlapAtChainHead(
  h: IdentityHarness,
  stream: string,
  first: () => Promise<LightMyRequestResponse>,
  second: () => Promise<LightMyRequestResponse>,
): Promise<[LightMyRequestResponse, LightMyRequestResponse]> {
  // The head exists once the stream has an event (every stream used here has one).
  return overlapHolding(
    h,
    (trx) => sql`select stream from audit_chain_heads where stream = ${stream} for update`.execute(trx),
    first,
    second,
  );
}

/**
 * The same barrier on any lock the test takes with `hold` (in its own transaction, on
 * PostgreSQL): `first` is fired and waited for until it is blocked on that lock (directly or
 * behind something that is), then `second`, then the lock is let go. Row-lock waiters are
 * served in the order they queued, so `first` goes on before `second` — and `second` has made
 * every read it makes before its own lock while `first` had not committed.
 */
export async function overlapHolding<A, B>(
  h: Pick<IdentityHarness, "database">,
  hold: (trx: Transaction<Database>) => Promise<unknown>,
  first: () => Promise<A>,
  second: () => Promise<B>,
): Promise<[A, B]> {
  const db = h.database.handle.db;
  if (!hasRowLocks(db)) return Promise.all([first(), second()]);
  let pending: Promise<[A, B]> | undefined;
  await db.transaction().execute(async (trx) => {
    await hold(trx);
    const me = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx)).rows[0]?.pid;
    const blocked = async () => {
      // pg_stat_activity is read once per transaction and then kept: without clearing that
      // snapshot, a backend the pool opened after the first poll (the first try's) is never seen.
      await sql`select pg_stat_clear_snapshot()`.execute(trx);
      const result = await sql<{ n: string }>`
        with recursive waiting(pid) as (
          select pid from pg_stat_activity where ${me}::int = any(pg_blocking_pids(pid))
          union
          select a.pid from pg_stat_activity a join waiting w on w.pid = any(pg_blocking_pids(a.pid))
        ) select count(*)::text as n from waiting`.execute(trx);
      return Number(result.rows[0]?.n ?? 0);
    };
    let settled = 0;
    // Bounded in real time: on a loaded machine each poll takes far longer than its 5 ms
    // sleep, and a hold counted in polls outlasted the app's 10 s statement timeout (a 503).
    const until = async (n: number) => {
      const deadline = Date.now() + 3000;
      while (Date.now() < deadline && settled < n && (await blocked()) < n) await sleep(5);
    };
    // A request that answers without waiting (refused early) need not be waited for.
    const a = first().finally(() => settled++);
    await until(1);
    const b = second().finally(() => settled++);
    await until(2);
    pending = Promise.all([a, b]);
  });
  return pending as Promise<[A, B]>;
}

/**
 * Whether two transactions waited for each other (a deadlock) while `during` ran: polls the
 * server's lock graph for a pair of backends each blocking the other. PostgreSQL breaks
 * such a cycle after `deadlock_timeout` (1 s) and the app retries the victim, so the cycle
 * itself is what proves the lock order wrong; answers alone would hide it.
 */
export async function sawDeadlock<T>(h: IdentityHarness, during: Promise<T>): Promise<{ result: T; cycle: boolean }> {
  const db = h.database.handle.db;
  let done = false;
  let cycle = false;
  const watch = (async () => {
    while (!done && !cycle) {
      const found = await sql<{ n: string }>`
        select count(*)::text as n from pg_stat_activity a join pg_stat_activity b
          on a.pid < b.pid and a.pid = any(pg_blocking_pids(b.pid)) and b.pid = any(pg_blocking_pids(a.pid))
        where a.datname = current_database()`.execute(db);
      cycle = Number(found.rows[0]?.n ?? 0) > 0;
      await sleep(5);
    }
  })();
  try {
    return { result: await during, cycle };
  } finally {
    done = true;
    await watch;
  }
}
