import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { enginesUnderTest } from "../../helpers/database.ts";
import { type IdentityHarness, identityHarness, register, STRONG_PASSWORD } from "../../helpers/identity.ts";

// Issue #20, finding 11: POST /auth/refresh is limited per session (refresh-token family),
// with a generous ceiling per client IP — an office behind one NAT address is not throttled
// at 10 refreshes a minute, and one stolen family still cannot be hammered.

const [sqlite] = await enginesUnderTest();

describe("refresh limits", () => {
  let h: IdentityHarness;
  let seq = 0;
  before(async () => {
    h = await identityHarness(sqlite as NonNullable<typeof sqlite>, {
      ENABLE_RATE_LIMITING: "true",
      RATE_LIMIT_REFRESH_SESSION: "min=3,hour=20,burst=3",
    });
  });
  after(() => h.close());

  /** A verified user signed in from its own address (so sign-ins spend no shared auth budget). */
  async function session(): Promise<string> {
    const n = ++seq;
    const email = `nat-${n}-${Date.now()}@example.com`;
    const remoteAddress = `198.51.100.${n}`;
    const res = await h.app.inject({
      method: "POST",
      url: "/api/v1/auth/register",
      remoteAddress,
      payload: { email, password: STRONG_PASSWORD, name: "Office" },
    });
    assert.equal(res.statusCode, 201, res.body);
    const verified = await h.app.inject({
      method: "POST",
      url: "/api/v1/auth/verify-email",
      remoteAddress,
      payload: { token: h.linkToken(email) },
    });
    assert.equal(verified.statusCode, 200, verified.body);
    const login = await h.app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      remoteAddress,
      payload: { email, password: STRONG_PASSWORD, clientType: "native" },
    });
    assert.equal(login.statusCode, 200, login.body);
    return login.json().refreshToken;
  }

  const refresh = (refreshToken: string, remoteAddress = "203.0.113.7") =>
    h.app.inject({ method: "POST", url: "/api/v1/auth/refresh", remoteAddress, payload: { refreshToken } });

  it("fifteen people behind one address all refresh within the same minute", async () => {
    const tokens = [];
    for (let i = 0; i < 15; i++) tokens.push(await session());
    for (const token of tokens) {
      const res = await refresh(token);
      assert.equal(res.statusCode, 200, res.body);
    }
  });

  it("one session hammering refresh is refused with 429 and Retry-After; another session is not", async () => {
    let token = await session();
    for (let i = 0; i < 3; i++) {
      const res = await refresh(token, "203.0.113.8");
      assert.equal(res.statusCode, 200, res.body);
      token = res.json().refreshToken;
    }
    const refused = await refresh(token, "203.0.113.8");
    assert.equal(refused.statusCode, 429, refused.body);
    assert.equal(refused.json().code, "rate_limit.exceeded");
    assert.ok(Number(refused.headers["retry-after"]) >= 1);
    assert.match(String(refused.headers["ratelimit-policy"]), /refresh-session/);
    const other = await refresh(await session(), "203.0.113.8");
    assert.equal(other.statusCode, 200, other.body);
  });

  it("a register call still spends the strict auth budget (only refresh moved)", async () => {
    const statuses = [];
    for (let i = 0; i < 12; i++) {
      statuses.push((await register(h.app, `burst-${i}-${Date.now()}@example.com`)).statusCode);
    }
    assert.ok(statuses.includes(429), `statuses: ${statuses.join(",")}`);
  });
});

describe("refresh limits: the per-IP ceiling", () => {
  it("applies RATE_LIMIT_REFRESH per client address", async () => {
    const h = await identityHarness(sqlite as NonNullable<typeof sqlite>, {
      ENABLE_RATE_LIMITING: "true",
      RATE_LIMIT_REFRESH: "min=2,hour=100,burst=2",
    });
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) {
        const res = await h.app.inject({
          method: "POST",
          url: "/api/v1/auth/refresh",
          remoteAddress: "203.0.113.9",
          payload: { refreshToken: `unknown-${i}` },
        });
        statuses.push(res.statusCode);
      }
      assert.deepEqual(statuses, [401, 401, 429]);
    } finally {
      await h.close();
    }
  });
});
