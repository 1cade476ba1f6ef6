import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import fc from "fast-check";
import { type CachedMembers, cachedPage, type MemberRow } from "../../../src/modules/companies/member-list-cache.ts";

const member = (user_id: string): MemberRow => ({ user_id, role: "member", created_at: "2026-12-06T00:00:00.000Z" });

/** What the keyset query returns: rows after the cursor by user id, one more than the limit. */
function queried(all: readonly MemberRow[], limit: number, after: string | undefined): MemberRow[] {
  return all.filter((row) => after === undefined || row.user_id > after).slice(0, limit + 1);
}

describe("a page of members cut from the cached list", () => {
  it("is exactly the page the query would return, or no answer; a complete list answers every page", () => {
    const ids = fc.uniqueArray(fc.uuid(), { maxLength: 40 }).map((list) => [...list].sort());
    fc.assert(
      fc.property(
        ids,
        fc.nat(40),
        fc.integer({ min: 1, max: 12 }),
        fc.option(fc.nat(40)),
        fc.uuid(),
        (sorted, cut, limit, at, stray) => {
          const all = sorted.map(member);
          const cached: CachedMembers = { rows: all.slice(0, cut), complete: cut >= all.length };
          // A cursor is an id of the list (as the API hands out) or any other id.
          const after = at === null ? undefined : (sorted[at] ?? stray);
          const page = cachedPage(cached, { limit, after });
          if (cached.complete) assert.notEqual(page, undefined, "a complete list answers every page");
          if (page !== undefined) assert.deepEqual(page, queried(all, limit, after));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("leaves a cursor in upper case to the database, which compares uuids regardless of case", () => {
    const id = randomUUID();
    const cached: CachedMembers = { rows: [member(id)], complete: true };
    assert.equal(cachedPage(cached, { limit: 20, after: id.toUpperCase() }), undefined);
    assert.deepEqual(cachedPage(cached, { limit: 20, after: id }), []);
  });

  it("answers the first page of a list cut short only when the page ends inside it", () => {
    const rows = Array.from({ length: 5 }, () => randomUUID())
      .sort()
      .map(member);
    const cached: CachedMembers = { rows, complete: false };
    assert.deepEqual(cachedPage(cached, { limit: 4, after: undefined }), rows);
    assert.equal(cachedPage(cached, { limit: 5, after: undefined }), undefined);
    assert.equal(cachedPage(cached, { limit: 2, after: rows[2]?.user_id }), undefined);
  });
});
