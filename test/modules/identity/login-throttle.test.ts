import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { claimLoginAttempt } from "../../../src/modules/identity/login-throttle.ts";
import { TestClock } from "../../helpers/clock.ts";
import { enginesUnderTest, type TestDatabase } from "../../helpers/database.ts";

// The lockout's arithmetic, claim by claim (docs/security.md, "Login lockout"): the 5th
// claim in a row starts a lockout of 1 min, doubling per lockout up to 1 h; a locked address
// is refused with the seconds left until the very second the lock ends.
for (const engine of await enginesUnderTest()) {
  describe(`login throttle on ${engine.engine}`, { skip: engine.skip }, () => {
    let database: TestDatabase;
    const clock = new TestClock();
    before(async () => {
      database = await engine.create();
    });
    after(() => database?.drop());
    const claim = (address: string) =>
      claimLoginAttempt({ config: { LOGIN_MAX_FAILURES: 5 }, database: database.handle, clock }, address);

    /** Claims until the one that starts a lockout; returns its length. */
    async function failUntilLocked(address: string): Promise<number | undefined> {
      for (let i = 1; i < 5; i++) assert.deepEqual(await claim(address), { allowed: true }, `claim ${i}`);
      const fifth = await claim(address);
      assert.equal(fifth.allowed, true, "the claim that reaches the limit still verifies its password");
      return fifth.allowed ? fifth.lockSeconds : undefined;
    }

    it("locks on the 5th claim for 60 s, refuses with the seconds left, and lets the next claim through when they run out", async () => {
      assert.equal(await failUntilLocked("a"), 60);
      assert.deepEqual(await claim("a"), { allowed: false, retryAfterSeconds: 60 });
      clock.advance(59);
      assert.deepEqual(await claim("a"), { allowed: false, retryAfterSeconds: 1 });
      assert.deepEqual(await claim("other"), { allowed: true }, "another address is not locked");
      clock.advance(1);
      assert.deepEqual(await claim("a"), { allowed: true }, "the lock ends at its last second");
    });

    it("counts afresh after a lockout and doubles each one, up to an hour", async () => {
      const lengths: (number | undefined)[] = [];
      for (let lockout = 0; lockout < 8; lockout++) {
        const seconds = await failUntilLocked("b");
        lengths.push(seconds);
        clock.advance(seconds ?? 0);
      }
      assert.deepEqual(lengths, [60, 120, 240, 480, 960, 1920, 3600, 3600]);
    });
  });
}
