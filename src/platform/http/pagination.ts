import { type TSchema, Type } from "@sinclair/typebox";
import { ValidationError } from "../errors/app-error.ts";

/** `?limit=&cursor=` on every list: 20 by default, at most 100 per page. */
export const PageQuerySchema = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20, description: "Items per page" })),
    cursor: Type.Optional(
      Type.String({ minLength: 1, maxLength: 512, description: "The nextCursor of the previous page" }),
    ),
  },
  { additionalProperties: false },
);

export interface PageQuery {
  readonly limit?: number;
  readonly cursor?: string;
}

export interface PageRequest {
  readonly limit: number;
  /** The sort key of the last item already seen; the page starts after it. */
  readonly after: string | undefined;
}

export interface Page<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
}

export function pageSchema(item: TSchema, description: string) {
  return Type.Object(
    {
      items: Type.Array(item),
      nextCursor: Type.Union([Type.String(), Type.Null()], {
        description: "Pass as ?cursor= for the next page; null on the last page",
      }),
    },
    { description },
  );
}

const invalidCursor = () =>
  new ValidationError(
    [{ path: "/querystring/cursor", message: "is not a cursor this API returned" }],
    "The cursor is invalid.",
    "pagination.invalid_cursor",
  );

/**
 * Cursors are opaque to clients (base64url JSON of the last sort key) and checked on the
 * way back in, so a forged cursor is a 422, never a database error.
 */
export function pageRequest(query: PageQuery, isKey: (key: string) => boolean): PageRequest {
  const limit = query.limit ?? 20;
  if (query.cursor === undefined) return { limit, after: undefined };
  let after: unknown;
  try {
    after = (JSON.parse(Buffer.from(query.cursor, "base64url").toString("utf8")) as { after?: unknown }).after;
  } catch {
    throw invalidCursor();
  }
  if (typeof after !== "string" || !isKey(after)) throw invalidCursor();
  return { limit, after };
}

/** `rows` is one more than the page size when another page follows (fetch `limit + 1`). */
export function toPage<R, T>(rows: R[], page: PageRequest, keyOf: (row: R) => string, map: (row: R) => T): Page<T> {
  const more = rows.length > page.limit;
  const kept = more ? rows.slice(0, page.limit) : rows;
  const last = kept.at(-1);
  return {
    items: kept.map(map),
    nextCursor:
      more && last !== undefined
        ? Buffer.from(JSON.stringify({ after: keyOf(last) }), "utf8").toString("base64url")
        : null,
  };
}
