import type { Kysely } from "kysely";
import type { Database } from "../db/schema.ts";
import { type SecretSealer, secretSealer } from "./secret-sealer.ts";

/**
 * A column holding values sealed by the secret sealer, declared by the module that owns the
 * table (its index.ts) so `rampart keys rotate-encryption` can re-seal it. Table and column
 * names are typed as the schema's own: never a value from outside the code.
 */
export type SealedColumn = {
  [T in keyof Database & string]: {
    readonly table: T;
    readonly idColumn: keyof Database[T] & string;
    readonly column: keyof Database[T] & string;
    /** The sealer's purpose (keys are derived per purpose). */
    readonly purpose: string;
  };
}[keyof Database & string];

export interface ResealCount {
  /** `table.column` */
  readonly column: string;
  /** Values read (not null). */
  examined: number;
  /** Re-sealed under the newest key by this run. */
  resealed: number;
  /** Already under the newest key. */
  current: number;
  /** No configured key opens them (wrong key list, or tampered): left as they are. */
  unreadable: number;
  /** Changed by someone else between the read and the write (e.g. a secret rotated): left to them. */
  changedMeanwhile: number;
}

// One sealed column seen without the schema's per-table typing: its names are SealedColumn's,
// checked against Database where the column is declared.
type SealedRows = Record<string, Record<string, string | null>>;

/**
 * Re-seals every value of `columns` that is not under the newest of `keys`, in batches of
 * `batchSize` rows walked by id, each write conditional on the value read (a concurrent change
 * wins). Idempotent: a second run finds every value current. A value no key opens is counted
 * and left, never a crash: the operator learns which column holds it.
 */
export async function resealColumns(
  db: Kysely<Database>,
  keys: readonly string[],
  columns: readonly SealedColumn[],
  batchSize = 500,
): Promise<ResealCount[]> {
  const loose = db as unknown as Kysely<SealedRows>;
  const counts: ResealCount[] = [];
  for (const column of columns) {
    counts.push(await resealColumn(loose, secretSealer(keys, column.purpose), column, batchSize));
  }
  return counts;
}

async function resealColumn(
  db: Kysely<SealedRows>,
  sealer: SecretSealer,
  { table, idColumn, column }: SealedColumn,
  batchSize: number,
): Promise<ResealCount> {
  const count: ResealCount = {
    column: `${table}.${column}`,
    examined: 0,
    resealed: 0,
    current: 0,
    unreadable: 0,
    changedMeanwhile: 0,
  };
  let after: string | undefined;
  for (;;) {
    let query = db
      .selectFrom(table)
      .select([`${idColumn} as id`, `${column} as sealed`])
      .where(column, "is not", null)
      .orderBy(idColumn)
      .limit(batchSize);
    if (after !== undefined) query = query.where(idColumn, ">", after);
    const rows = await query.execute();
    for (const row of rows) {
      const id = String(row.id);
      const sealed = String(row.sealed);
      count.examined++;
      if (sealer.isCurrent(sealed)) {
        count.current++;
        continue;
      }
      let plain: string;
      try {
        plain = sealer.unseal(sealed);
      } catch {
        count.unreadable++;
        continue;
      }
      const result = await db
        .updateTable(table)
        .set({ [column]: sealer.seal(plain) })
        .where(idColumn, "=", id)
        .where(column, "=", sealed)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 1) count.resealed++;
      else count.changedMeanwhile++;
    }
    if (rows.length < batchSize) return count;
    after = String(rows.at(-1)?.id);
  }
}
