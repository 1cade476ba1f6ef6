import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { enginesUnderTest } from "../../helpers/database.ts";
import { type IdentityHarness, identityHarness } from "../../helpers/identity.ts";
import { createCompany, joinDirectly, newUser, type SignedIn } from "../../helpers/tenancy.ts";

const [sqlite] = await enginesUnderTest();

describe("rate limits are keyed by who calls", { skip: sqlite === undefined }, () => {
  let h: IdentityHarness;
  let owner: SignedIn;
  let member: SignedIn;
  let company: { id: string };
  before(async () => {
    h = await identityHarness(sqlite as NonNullable<typeof sqlite>, {
      ENABLE_RATE_LIMITING: "true",
      RATE_LIMIT_PUBLIC: "min=2,hour=100,burst=2",
      RATE_LIMIT_USER: "min=3,hour=100,burst=3",
      RATE_LIMIT_ADMIN: "min=5,hour=100,burst=5",
      // Fixtures sign several users in from one address.
      RATE_LIMIT_AUTH: "min=1000,hour=10000,burst=1000",
    });
    owner = await newUser(h, "owner");
    member = await newUser(h, "member");
    company = await createCompany(h.app, owner, "limits-co");
    await joinDirectly(h, company.id, member, "member");
  });
  after(() => h.close());

  const statuses = async (count: number, url: string, headers: Record<string, string>) => {
    const codes: number[] = [];
    for (let i = 0; i < count; i++) codes.push((await h.app.inject({ url, headers })).statusCode);
    return codes;
  };

  it("gives each user their own budget, whatever address they share", async () => {
    const a = await newUser(h, "a");
    const b = await newUser(h, "b");
    assert.deepEqual(await statuses(4, "/api/v1/users/me", a.headers), [200, 200, 200, 429]);
    assert.deepEqual(await statuses(1, "/api/v1/users/me", b.headers), [200], "same IP, another user");
    const limited = await h.app.inject({ url: "/api/v1/users/me", headers: a.headers });
    assert.ok(Number(limited.headers["retry-after"]) >= 1);
    assert.match(String(limited.headers["ratelimit-policy"]), /"user-min";q=3/);
  });

  it("spends the admin budget for the company's owners and admins, the user budget for others", async () => {
    const url = `/api/v1/companies/${company.id}`;
    const asOwner = await h.app.inject({ url, headers: owner.headers });
    assert.match(String(asOwner.headers["ratelimit-policy"]), /"admin-min";q=5/);
    const asMember = await h.app.inject({ url, headers: member.headers });
    assert.match(String(asMember.headers["ratelimit-policy"]), /"user-min";q=3/);
  });

  it("limits each API key on its own budget", async () => {
    const mint = async () =>
      (
        await h.app.inject({
          method: "POST",
          url: `/api/v1/companies/${company.id}/api-keys`,
          headers: owner.headers,
          payload: { name: "k", scopes: ["company:read"] },
        })
      ).json().key as string;
    const [k1, k2] = [await mint(), await mint()];
    const url = `/api/v1/companies/${company.id}`;
    assert.deepEqual(await statuses(4, url, { "x-api-key": k1 }), [200, 200, 200, 429]);
    assert.deepEqual(await statuses(1, url, { "x-api-key": k2 }), [200]);
  });

  it("counts anonymous and failed credentials against the address's public budget, before refusing them", async () => {
    const codes = await statuses(3, `/api/v1/companies/${company.id}`, { "x-forwarded-for": "ignored" });
    assert.deepEqual(codes, [401, 401, 429]);
    const forged = await h.app.inject({
      url: "/api/v1/users/me",
      headers: { authorization: "Bearer not-a-token" },
      remoteAddress: "10.9.9.9",
    });
    assert.equal(forged.statusCode, 401);
    assert.match(String(forged.headers["ratelimit-policy"]), /"public-min";q=2/);
  });
});
