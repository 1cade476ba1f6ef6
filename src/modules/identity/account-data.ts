import { Type } from "@sinclair/typebox";
import type { Clock } from "../../platform/clock.ts";
import {
  type AfterCommit,
  type ColumnDecision,
  type Person,
  type PersonalDataSource,
  PLATFORM_TABLES,
} from "../../platform/db/personal-data.ts";
import type { Executor } from "../../platform/db/transaction.ts";
import { passkeysPersonalData } from "./passkeys/personal-data.ts";
import { IDENTITY_COLUMNS, identityPersonalData } from "./personal-data.ts";
import type { UsersTable } from "./tables.ts";

/**
 * Everything stored about a person, gathered from every module that stores some (each
 * module's `personal-data.ts`, passed in by app.ts) plus identity's own tables. The
 * categories and what erasure does to each are listed in docs/data.md.
 */
export function allSources(injected: readonly PersonalDataSource[]): readonly PersonalDataSource[] {
  return [...identityPersonalData, passkeysPersonalData, ...injected];
}

/** table → column → decision for every table there is: the platform's, identity's and every source's. */
export function personalDataInventory(
  sources: readonly PersonalDataSource[],
): Map<string, Readonly<Record<string, ColumnDecision>>> {
  const inventory = new Map<string, Readonly<Record<string, ColumnDecision>>>();
  for (const tables of [PLATFORM_TABLES, IDENTITY_COLUMNS, ...sources.map((s) => s.columns)])
    for (const [table, columns] of Object.entries(tables))
      inventory.set(table, { ...inventory.get(table), ...columns });
  return inventory;
}

export function personOf(user: Pick<UsersTable, "id" | "email">): Person {
  return { userId: user.id, email: user.email };
}

/** The export document's schema: the account, the time, and one array per category. */
export function userExportSchema(sources: readonly PersonalDataSource[]) {
  return Type.Object(
    {
      user: Type.Ref("User"),
      exportedAt: Type.String({ format: "date-time" }),
      ...Object.fromEntries(
        sources.map((s) => [s.category, Type.Array(s.item, { description: s.description })] as const),
      ),
    },
    { $id: "UserExport", additionalProperties: false },
  );
}

export async function collectPersonalData(
  db: Executor,
  sources: readonly PersonalDataSource[],
  person: Person,
): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const source of sources) out[source.category] = await source.export(db, person);
  return out;
}

/** Runs every source's erasure inside the deletion's transaction; returns the evictions to run after commit. */
export async function erasePersonalData(
  trx: Executor,
  sources: readonly PersonalDataSource[],
  person: Person,
  clock: Clock,
): Promise<AfterCommit[]> {
  const after: AfterCommit[] = [];
  for (const source of sources) {
    const then = await source.erase(trx, person, clock);
    if (then) after.push(then);
  }
  return after;
}
