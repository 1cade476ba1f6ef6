import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { enginesUnderTest } from "../../helpers/database.ts";
import { type IdentityHarness, identityHarness } from "../../helpers/identity.ts";
import { createCompany, newUser } from "../../helpers/tenancy.ts";

// Keys that were never issued: a well-formed key whose prefix no key has, and strings that
// only look like keys. Each is a 401 problem like a wrong secret, never a 500.
for (const engine of await enginesUnderTest()) {
  describe(`API keys never issued (${engine.engine})`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    let companyId: string;
    before(async () => {
      h = await identityHarness(engine);
      companyId = (await createCompany(h.app, await newUser(h, "owner"), "unknown-keys")).id;
    });
    after(() => h.close());

    it("answers an unknown or malformed key with 401, by Bearer or X-API-Key", async () => {
      for (const key of [`rk_abcdefghijkl_${"A".repeat(43)}`, "rk_", "rk_short", `rk_ABCDEFGHIJKL_${"A".repeat(43)}`]) {
        for (const headers of [{ authorization: `Bearer ${key}` }, { "x-api-key": key }]) {
          const res = await h.app.inject({ url: `/api/v1/companies/${companyId}`, headers });
          assert.equal(res.statusCode, 401, `${key}: ${res.body}`);
          assert.equal(res.headers["content-type"], "application/problem+json; charset=utf-8");
        }
      }
    });
  });
}
