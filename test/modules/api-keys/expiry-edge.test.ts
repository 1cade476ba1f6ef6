import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { enginesUnderTest } from "../../helpers/database.ts";
import { type IdentityHarness, identityHarness } from "../../helpers/identity.ts";
import { createCompany, newUser, type SignedIn } from "../../helpers/tenancy.ts";

/** Time that moves only when told: a key's last millisecond is reachable. */
class StoppedClock {
  #ms = Date.now();
  now(): Date {
    return new Date(this.#ms);
  }
  nowIso(): string {
    return this.now().toISOString();
  }
  advance(ms: number): void {
    this.#ms += ms;
  }
}

// An API key's expiry is an instant it no longer works at: refused at that very millisecond,
// and a key cannot be created already expired.
for (const engine of await enginesUnderTest()) {
  describe(`API keys at their expiry instant (${engine.engine})`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    let owner: SignedIn;
    let companyId: string;
    const clock = new StoppedClock();
    before(async () => {
      h = await identityHarness(engine, {}, { clock });
      owner = await newUser(h, "owner");
      companyId = (await createCompany(h.app, owner, "expiry-edge")).id;
    });
    after(() => h?.close());

    const createKey = (expiresAt: string) =>
      h.app.inject({
        method: "POST",
        url: `/api/v1/companies/${companyId}/api-keys`,
        headers: owner.headers,
        payload: { name: "edge", scopes: ["company:read"], expiresAt },
      });

    it("works until the millisecond before its expiry and is refused at it; one expiring now cannot be created", async () => {
      const created = await createKey(new Date(clock.now().getTime() + 60_000).toISOString());
      assert.equal(created.statusCode, 201, created.body);
      const headers = { "x-api-key": created.json().key as string };
      const read = () => h.app.inject({ url: `/api/v1/companies/${companyId}`, headers });
      clock.advance(59_999);
      assert.equal((await read()).statusCode, 200, "1 ms before its expiry");
      clock.advance(1);
      assert.equal((await read()).statusCode, 401, "at its expiry");
      assert.equal((await createKey(clock.nowIso())).statusCode, 422, "expiring the moment it is made");
    });
  });
}
