import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { enginesUnderTest } from "../../helpers/database.ts";
import { type IdentityHarness, identityHarness } from "../../helpers/identity.ts";

const [sqlite] = await enginesUnderTest();

describe("identity routes at the edge", () => {
  let h: IdentityHarness;
  before(async () => {
    h = await identityHarness(sqlite as NonNullable<typeof sqlite>, { ENABLE_RATE_LIMITING: "true" });
  });
  after(() => h?.close());

  it("login is limited by the auth tier per client IP, with Retry-After and RateLimit headers", async () => {
    const attempt = () =>
      h.app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { email: "limit@example.com", password: "not-the-password-1" },
      });
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof attempt>> | undefined;
    for (let i = 0; i < 30 && !limited; i++) {
      const res = await attempt();
      statuses.push(res.statusCode);
      if (res.statusCode === 429) limited = res;
    }
    assert.ok(limited, `a 429 within 30 attempts: ${statuses}`);
    assert.ok(statuses.filter((s) => s === 401).length >= 5, "the first attempts reach the login logic");
    assert.ok(Number(limited.headers["retry-after"]) > 0);
    assert.match(String(limited.headers["ratelimit-policy"]), /auth/);
  });

  it("credential routes refuse bodies over AUTH_BODY_LIMIT with 413 before hashing anything", async () => {
    const res = await h.app.inject({
      method: "POST",
      url: "/api/v1/auth/register",
      // Another client: the first test spent this one's auth budget.
      remoteAddress: "203.0.113.9",
      payload: { email: "big@example.com", password: "x".repeat(20_000), name: "Big" },
    });
    assert.equal(res.statusCode, 413);
    assert.equal(res.json().code, "request.body_too_large");
  });
});
