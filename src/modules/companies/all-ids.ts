import type { Executor } from "../../platform/db/transaction.ts";
import * as repo from "./repository.ts";

/** Every company's id, deleted ones included (each keeps its audit stream): `audit verify` requires one per company. */
export async function allCompanyIds(db: Executor): Promise<string[]> {
  const ids: string[] = [];
  for (let after: string | undefined; ; ) {
    const rows = await repo.pageOfCompanies(db, { after, limit: 1000 });
    ids.push(...rows.slice(0, 1000).map((row) => row.id));
    if (rows.length <= 1000) return ids;
    after = ids.at(-1);
  }
}
