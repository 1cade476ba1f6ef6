import type { Kysely } from "kysely";
import { parseJson } from "../db/dialect.ts";
import type { Database } from "../db/schema.ts";
import type { Executor } from "../db/transaction.ts";
import type { StateRow } from "./state.ts";

/** A value that is not JSON reads as absent (the safe default), not as a failed refresh. */
function parsedOrUndefined(value: unknown): unknown {
  try {
    return parseJson<unknown>(value);
  } catch {
    return undefined;
  }
}

/** Every row of platform_state: a handful of small rows, read whole on each refresh. */
export async function readStateRows(db: Kysely<Database>): Promise<StateRow[]> {
  const rows = await db.selectFrom("platform_state").select(["key", "value", "updated_at", "updated_by"]).execute();
  return rows.map((r) => ({
    key: r.key,
    value: parsedOrUndefined(r.value),
    updatedAt: r.updated_at,
    updatedBy: r.updated_by,
  }));
}

/** Inserts or replaces one key's value, recording who changed it and when. */
export async function writeStateRow(
  db: Executor,
  row: { key: string; value: unknown; updatedAt: string; updatedBy: string },
): Promise<void> {
  const values = {
    key: row.key,
    value: JSON.stringify(row.value),
    updated_at: row.updatedAt,
    updated_by: row.updatedBy,
  };
  await db
    .insertInto("platform_state")
    .values(values)
    .onConflict((oc) =>
      oc
        .column("key")
        .doUpdateSet({ value: values.value, updated_at: values.updated_at, updated_by: values.updated_by }),
    )
    .execute();
}
