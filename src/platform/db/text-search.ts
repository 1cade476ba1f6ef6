import type { Expression, ExpressionBuilder, SqlBool } from "kysely";
import { isUuid } from "./ids.ts";
import { sql } from "./kysely.ts";

/**
 * A search box's "contains", the same on SQLite and PostgreSQL: case-insensitive, and the
 * text's `%`, `_` and `\` match themselves (escaped for LIKE), so a search for `50%` finds
 * "50%" and not everything. `lower()` folds ASCII on SQLite and all of Unicode on PostgreSQL.
 * The column is a typed reference (`eb.ref("email")`): only the text is a value, and it is bound.
 */
export function containsIgnoringCase(column: Expression<string>, text: string): Expression<SqlBool> {
  const escaped = text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
  return sql<SqlBool>`lower(${column}) like ${`%${escaped}%`} escape '\\'`;
}

/**
 * An admin list's search box: the rows where any of `contained` contains the text (as
 * containsIgnoringCase), or, when the text is an id, the row with that id. The id is compared
 * only then, lower-cased: PostgreSQL's uuid column refuses any other text.
 */
export function searchFilter<DB, TB extends keyof DB>(
  eb: ExpressionBuilder<DB, TB>,
  text: string,
  contained: readonly Expression<string>[],
  idIs: (id: string) => Expression<SqlBool>,
): Expression<SqlBool> {
  const id = text.toLowerCase();
  return eb.or([...contained.map((column) => containsIgnoringCase(column, text)), ...(isUuid(id) ? [idIs(id)] : [])]);
}
