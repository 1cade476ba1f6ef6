import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  createLeaseBook,
  GROW_WITHIN_MS,
  LEASE_SIZE,
  MAX_LEASE_SIZE,
  SHRINK_AFTER_MS,
} from "../../../src/platform/rate-limit/lease.ts";
import type { TierCounts } from "../../../src/platform/rate-limit/tier-script.ts";

// The lease book alone, on a clock the test sets: which counts each leased request reports
// (the ones Redis would have returned had it been counted alone), when a lease stops being
// used (spent, or within 100 ms of the end of the window it was counted in), and what marks
// a key as counted one request at a time. The Redis tests prove the end-to-end limit.
const T = 1_000_000;

/** Counts as the tier script returns them after counting `counted` requests at once. */
function counted(
  n: number,
  minute: number,
  hour: number | undefined,
  minuteTtl = 30_000,
  hourTtl = 3_000_000,
): TierCounts {
  return {
    counted: n,
    minute: { consumed: minute, ttlMs: minuteTtl },
    ...(hour === undefined ? {} : { hour: { consumed: hour, ttlMs: hourTtl } }),
  };
}

describe("rate-limit leases: the book of requests counted ahead", () => {
  it("has nothing to give for a key it never kept a lease of", () => {
    const book = createLeaseBook();
    assert.equal(book.take("k", T), undefined);
    assert.equal(book.nearLimit("k"), false);
  });

  it("keeps a lease of 16: the caller's request is the first, the next 15 continue its counts, then none is left", () => {
    const book = createLeaseBook();
    // Redis counted 16 at once: the minute counter now reads 20 (4 before), the hour 50.
    const own = book.keep("k", counted(16, 20, 50), T);
    assert.deepEqual(own, {
      counted: 1,
      minute: { consumed: 5, ttlMs: 30_000 },
      hour: { consumed: 35, ttlMs: 3_000_000 },
    });
    assert.equal(book.nearLimit("k"), false);
    for (let i = 1; i < 16; i++) {
      assert.deepEqual(
        book.take("k", T + i * 10),
        {
          minute: { consumed: 5 + i, ttlMs: 30_000 - i * 10 },
          hour: { consumed: 35 + i, ttlMs: 3_000_000 - i * 10 },
        },
        `request ${i + 1} of the lease`,
      );
    }
    assert.equal(book.take("k", T + 200), undefined, "the 17th is counted in Redis again");
    assert.equal(book.take("other", T), undefined, "a lease is its key's alone");
  });

  it("a lease is not used within 100 ms of the end of the window it was counted in, the sooner of minute and hour", () => {
    const book = createLeaseBook();
    book.keep("m", counted(4, 10, 10, 1_000, 3_000_000), T);
    assert.ok(book.take("m", T + 899), "101 ms before the minute ends");
    assert.equal(book.take("m", T + 900), undefined, "100 ms before it ends");
    // The lease is gone, not merely skipped: a later time does not bring it back.
    assert.equal(book.take("m", T), undefined);

    book.keep("h", counted(4, 10, 10, 30_000, 500), T);
    assert.ok(book.take("h", T + 399), "the hour window ends first here");
    assert.equal(book.take("h", T + 400), undefined);
  });

  it("uses several open leases of one key in turn, the older first", () => {
    const book = createLeaseBook();
    book.keep("k", counted(3, 3, 3), T);
    book.keep("k", counted(3, 6, 6), T);
    const minutes = [];
    for (let i = 0; i < 5; i++) minutes.push(book.take("k", T)?.minute.consumed);
    assert.deepEqual(minutes, [2, 3, 5, 6, undefined]);
  });

  it("a call that counted one request, or no hour window, leaves no lease and marks the key as near its limit", () => {
    const book = createLeaseBook();
    const one = counted(1, 70, 70);
    assert.equal(book.keep("k", one, T), one);
    assert.equal(book.nearLimit("k"), true);
    assert.equal(book.take("k", T), undefined);
    // Refused by the minute window: the script consulted no hour window.
    const refused = counted(8, 130, undefined);
    assert.equal(book.keep("r", refused, T), refused);
    assert.equal(book.nearLimit("r"), true);
    assert.equal(book.take("r", T), undefined);
    // A lease again: far from the limit once more.
    book.keep("k", counted(2, 10, 10), T);
    assert.equal(book.nearLimit("k"), false);
    assert.ok(book.take("k", T));
  });

  it("a lease counted ahead serves all of its requests, after what is left of the current one; left() counts both", () => {
    const book = createLeaseBook();
    book.keep("k", counted(4, 4, 4), T); // the caller's request is 1; 2, 3 and 4 are left
    assert.equal(book.left("k"), 3);
    // Counted ahead while the current lease still serves: minute and hour read 12 after 8 more.
    book.stock("k", counted(8, 12, 12), T);
    assert.equal(book.left("k"), 11);
    assert.equal(book.nearLimit("k"), false);
    const minutes = [];
    for (let i = 0; i < 12; i++) minutes.push(book.take("k", T)?.minute.consumed);
    assert.deepEqual(minutes, [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, undefined]);
    assert.equal(book.left("k"), 0);
    assert.equal(book.left("never"), 0);
  });

  it("a lease counted ahead that got none marks the key as near its limit, and keeps no request", () => {
    const book = createLeaseBook();
    book.keep("k", counted(4, 4, 4), T);
    book.stock("k", { counted: 0, minute: { consumed: -1, ttlMs: -1 } }, T);
    assert.equal(book.nearLimit("k"), true);
    assert.equal(book.left("k"), 3, "what was counted before is still served");
  });

  it("clear() forgets every lease and every near-limit mark (Redis failed)", () => {
    const book = createLeaseBook();
    book.keep("k", counted(4, 10, 10), T);
    book.keep("n", counted(1, 70, 70), T);
    book.clear();
    assert.equal(book.take("k", T), undefined);
    assert.equal(book.nearLimit("n"), false);
  });

  it("holds at most maxKeys keys, the least recently used forgotten first", () => {
    const book = createLeaseBook(2);
    book.keep("a", counted(4, 10, 10), T);
    book.keep("b", counted(4, 10, 10), T);
    book.keep("c", counted(4, 10, 10), T);
    assert.equal(book.take("a", T), undefined);
    assert.ok(book.take("b", T));
    assert.ok(book.take("c", T));
  });

  it("a key whose leases are spent gives up its place among the maxKeys", () => {
    const book = createLeaseBook(2);
    book.keep("a", counted(2, 10, 10), T);
    assert.ok(book.take("a", T));
    book.keep("b", counted(4, 10, 10), T);
    assert.equal(book.take("a", T), undefined, "a's lease is spent");
    // Had a kept its (empty) place, it would now be the most recently used, and c would evict b.
    book.keep("c", counted(4, 10, 10), T);
    assert.ok(book.take("b", T), "b's lease is still there");
    assert.ok(book.take("c", T));
  });
  it("a key whose leases are counted ahead within 100 ms of each other gets leases twice as large, up to 256", () => {
    const book = createLeaseBook();
    assert.equal(book.leaseSize("k", T), LEASE_SIZE, "a key starts at LEASE_SIZE");
    const sizes = [0, 1, 2, 3, 4, 5].map((i) => book.countingAhead("k", T + i * (GROW_WITHIN_MS - 1)));
    assert.deepEqual(sizes, [16, 32, 64, 128, 256, 256]);
    assert.equal(MAX_LEASE_SIZE, 256);
    assert.equal(book.leaseSize("k", T + 5 * (GROW_WITHIN_MS - 1)), 256, "the request-carrying call asks for as many");
    assert.equal(book.leaseSize("other", T), LEASE_SIZE, "growth is its key's alone");
  });

  it("a key counted ahead less often keeps its size; a second without, or clear(), starts it again from 16", () => {
    const book = createLeaseBook();
    assert.equal(book.countingAhead("k", T), 16);
    assert.equal(book.countingAhead("k", T + 50), 32);
    assert.equal(book.countingAhead("k", T + 50 + GROW_WITHIN_MS), 32, "exactly 100 ms apart: no growth");
    const last = T + 50 + GROW_WITHIN_MS;
    assert.equal(book.leaseSize("k", last + SHRINK_AFTER_MS), 32);
    assert.equal(book.leaseSize("k", last + SHRINK_AFTER_MS + 1), LEASE_SIZE, "idle for more than a second");
    assert.equal(book.countingAhead("k", last + SHRINK_AFTER_MS + 1), 16, "and counted ahead again from 16");
    assert.equal(book.countingAhead("k", last + SHRINK_AFTER_MS + 2), 32);
    book.clear();
    assert.equal(book.leaseSize("k", last + SHRINK_AFTER_MS + 3), LEASE_SIZE, "Redis failed: growth is forgotten too");
  });
});
