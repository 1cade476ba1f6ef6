import type { OrderByExpression, SelectQueryBuilder, StringReference } from "kysely";
import type { PageRequest } from "../http/pagination.ts";
import { sql } from "./kysely.ts";

/**
 * The tail every keyset-paginated list shares: ordered by `key`, one row more than the page
 * (so toPage knows whether another page follows), starting after the cursor's key.
 */
export function keysetPage<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  key: StringReference<DB, TB> & OrderByExpression<DB, TB, O>,
  page: PageRequest,
): SelectQueryBuilder<DB, TB, O> {
  const ordered = query.orderBy(key).limit(page.limit + 1);
  return page.after === undefined ? ordered : ordered.where(sql<boolean>`${sql.ref(key)} > ${page.after}`);
}
