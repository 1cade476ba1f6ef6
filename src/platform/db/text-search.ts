import { type Expression, type SqlBool, sql } from "kysely";

/**
 * A search box's "contains", the same on SQLite and PostgreSQL: case-insensitive, and the
 * text's `%`, `_` and `\` match themselves (escaped for LIKE), so a search for `50%` finds
 * "50%" and not everything. `lower()` folds ASCII on SQLite and all of Unicode on PostgreSQL.
 */
export function containsIgnoringCase(column: string, text: string): Expression<SqlBool> {
  const escaped = text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
  return sql<SqlBool>`lower(${sql.ref(column)}) like ${`%${escaped}%`} escape '\\'`;
}
