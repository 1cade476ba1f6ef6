import type { Expression, SqlBool } from "kysely";
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
