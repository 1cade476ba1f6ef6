import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { enginesUnderTest } from "../../helpers/database.ts";
import { type IdentityHarness, identityHarness } from "../../helpers/identity.ts";
import { createCompany, newUser, type SignedIn } from "../../helpers/tenancy.ts";

// Issue #20, finding 4: one date-time type at the edge. Values RFC 3339's syntax allows but
// no instant Rampart stores can be (a leap second, year 10000 once normalised to UTC) are
// refused with 422 naming the field; every accepted one is stored in UTC and compared as an
// instant — and after each odd input every list still answers.

const REFUSED = [
  "2030-06-30T23:59:60Z", // leap second
  "9999-12-31T23:59:59-23:59", // year 10000 in UTC
  "2030-02-30T00:00:00Z", // no such day
  "1969-12-31T23:59:59Z", // before 1970
  "2030-01-01T24:00:00Z",
  "2030-01-01T00:00:00+24:00",
  "2030-01-01T00:00:00", // no time zone
  "+012030-01-01T00:00:00Z",
];

/** Accepted, with the UTC instant each is stored as. */
const ACCEPTED: [string, string][] = [
  ["2030-06-30T23:59:59+14:00", "2030-06-30T09:59:59.000Z"],
  ["2030-06-30T23:59:59-12:00", "2030-07-01T11:59:59.000Z"],
  ["9999-12-31T23:59:59Z", "9999-12-31T23:59:59.000Z"],
  ["2030-01-01t10:00:00.123456789z", "2030-01-01T10:00:00.123Z"],
];

for (const engine of await enginesUnderTest()) {
  describe(`date-times at the edge (${engine.engine})`, { skip: engine.skip }, () => {
    let h: IdentityHarness;
    let owner: SignedIn;
    let company: { id: string };
    before(async () => {
      h = await identityHarness(engine);
      owner = await newUser(h, "owner");
      company = await createCompany(h.app, owner, `dates-${Date.now()}`);
    });
    after(() => h.close());

    const keys = `/api/v1/companies/${"{id}"}/api-keys`;
    const url = (template: string) => template.replace("{id}", company.id);

    async function listsStillAnswer() {
      for (const path of [keys, "/api/v1/companies/{id}/audit-events"]) {
        const res = await h.app.inject({ url: url(path), headers: owner.headers });
        assert.equal(res.statusCode, 200, `${path} after an odd input: ${res.body}`);
      }
    }

    it("refuses each odd expiresAt with 422 naming the field, stores nothing, and the lists still answer", async () => {
      for (const expiresAt of REFUSED) {
        const res = await h.app.inject({
          method: "POST",
          url: url(keys),
          headers: owner.headers,
          payload: { name: "odd", scopes: ["company:read"], expiresAt },
        });
        assert.equal(res.statusCode, 422, `${expiresAt}: ${res.body}`);
        assert.ok(
          res.json().errors.some((e: { path: string }) => e.path === "/body/expiresAt"),
          `${expiresAt}: ${res.body}`,
        );
        await listsStillAnswer();
      }
      const list = await h.app.inject({ url: url(keys), headers: owner.headers });
      assert.equal(list.json().items.length, 0, "no key was stored");
    });

    it("stores accepted expiresAt values as UTC instants; the list answers after each", async () => {
      for (const [expiresAt, stored] of ACCEPTED) {
        const res = await h.app.inject({
          method: "POST",
          url: url(keys),
          headers: owner.headers,
          payload: { name: "odd", scopes: ["company:read"], expiresAt },
        });
        assert.equal(res.statusCode, 201, `${expiresAt}: ${res.body}`);
        assert.equal(res.json().expiresAt, stored);
        await listsStillAnswer();
      }
    });

    it("refuses odd ?from= and ?to= with 422 naming the parameter", async () => {
      for (const value of REFUSED) {
        for (const name of ["from", "to"]) {
          const res = await h.app.inject({
            url: `${url("/api/v1/companies/{id}/audit-events")}?${name}=${encodeURIComponent(value)}`,
            headers: owner.headers,
          });
          assert.equal(res.statusCode, 422, `${name}=${value}: ${res.body}`);
          assert.ok(
            res.json().errors.some((e: { path: string }) => e.path === `/querystring/${name}`),
            res.body,
          );
        }
      }
    });

    it("compares ?from= and ?to= as instants, whatever the offset they are written with", async () => {
      const all = await h.app.inject({ url: url("/api/v1/companies/{id}/audit-events"), headers: owner.headers });
      const events = all.json().items as { occurredAt: string }[];
      assert.ok(events.length > 0);
      const latest = events.map((e) => Date.parse(e.occurredAt)).reduce((a, b) => Math.max(a, b));
      // One hour after the latest event, written at -23:59 (a string that sorts before it).
      const later = new Date(latest + 3_600_000);
      const local = new Date(later.getTime() - (23 * 60 + 59) * 60_000).toISOString().replace(/\.\d+Z$/, "-23:59");
      const res = await h.app.inject({
        url: `${url("/api/v1/companies/{id}/audit-events")}?to=${encodeURIComponent(local)}`,
        headers: owner.headers,
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().items.length, events.length, "every event is before that instant");
    });
  });
}
