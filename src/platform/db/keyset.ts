import type { OrderByExpression, SelectQueryBuilder, StringReference } from "kysely";
import type { PageRequest } from "../http/pagination.ts";
import { sql } from "./kysely.ts";

/**
 * The tail every keyset-paginated list shares: ordered by `key`, one row more than the page
 * (so toPage knows whether another page follows), starting after the cursor's key. `desc`
 * walks newest first (ids are time-ordered): "after" the cursor is then below it.
 */
export function keysetPage<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  key: StringReference<DB, TB> & OrderByExpression<DB, TB, O>,
  page: PageRequest,
  direction: "asc" | "desc" = "asc",
): SelectQueryBuilder<DB, TB, O> {
  const ordered = query.orderBy(key, direction).limit(page.limit + 1);
  if (page.after === undefined) return ordered;
  const column = sql.ref(key);
  return ordered.where(
    direction === "asc" ? sql<boolean>`${column} > ${page.after}` : sql<boolean>`${column} < ${page.after}`,
  );
}
