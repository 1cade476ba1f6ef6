import type { PageRequest } from "../../platform/http/pagination.ts";
import { LOOKUP_TTL_S, memberLists } from "./lookups.ts";
import * as repo from "./repository.ts";
import type { CompaniesDeps } from "./service.ts";
import type { MembershipsTable } from "./tables.ts";

/*
 * A page of members without a query. The company's first CACHED_MEMBERS memberships by user id
 * are cached in one entry (most companies have fewer, so the entry is the whole list and serves
 * every page); a page the entry cannot answer exactly goes to the database as before. Every
 * membership write already forgets the membership's cache entry after its commit
 * (forgetMembership), and that forgets this entry too, on every instance.
 */

/** As many memberships as the largest page (PageQuerySchema's maximum limit). */
export const CACHED_MEMBERS = 100;

export type MemberRow = Pick<MembershipsTable, "user_id" | "role" | "created_at">;

export interface CachedMembers {
  /** Sorted by user id, as the keyset page query sorts them. */
  readonly rows: readonly MemberRow[];
  /** Whether `rows` are all the company's memberships. */
  readonly complete: boolean;
}

/** The rows the keyset query would return for `page` (one more than its limit when another page follows). */
export async function pageOfMembers(deps: CompaniesDeps, companyId: string, page: PageRequest): Promise<MemberRow[]> {
  const cached = await memberLists(deps.cache).getOrLoad(companyId, LOOKUP_TTL_S, () =>
    loadFirstMembers(deps, companyId),
  );
  const rows = cachedPage(cached, page);
  return rows ?? repo.pageOfMembers(deps.database.db, companyId, page);
}

async function loadFirstMembers(deps: CompaniesDeps, companyId: string): Promise<CachedMembers> {
  const rows = await repo.pageOfMembers(deps.database.db, companyId, { limit: CACHED_MEMBERS, after: undefined });
  return {
    rows: rows.slice(0, CACHED_MEMBERS).map(({ user_id, role, created_at }) => ({ user_id, role, created_at })),
    complete: rows.length <= CACHED_MEMBERS,
  };
}

/**
 * The page cut from the cached rows, or undefined when they cannot answer it exactly: the list
 * is cut short before the page's last row, or the cursor is not in the canonical lower case the
 * API hands out (the database compares uuids regardless of case; strings here would not).
 */
export function cachedPage(cached: CachedMembers, page: PageRequest): MemberRow[] | undefined {
  const { after } = page;
  if (after !== undefined && after !== after.toLowerCase()) return undefined;
  const start = after === undefined ? 0 : firstAbove(cached.rows, after);
  const rows = cached.rows.slice(start, start + page.limit + 1);
  return cached.complete || rows.length === page.limit + 1 ? rows : undefined;
}

/** The index of the first row whose user id sorts after `key` (binary search; rows are sorted). */
function firstAbove(rows: readonly MemberRow[], key: string): number {
  let low = 0;
  let high = rows.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((rows[middle] as MemberRow).user_id > key) high = middle;
    else low = middle + 1;
  }
  return low;
}
