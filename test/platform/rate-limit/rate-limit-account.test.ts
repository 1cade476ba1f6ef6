import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { buildTestApp, type TestApp } from "../../helpers/app.ts";

const PROXY = "10.0.0.1";

/** Each request from its own client IP, as a trusted proxy reports it. */
function fromIp(app: TestApp["app"], url: string, payload: Record<string, unknown>, ip: string) {
  return app.inject({
    method: "POST",
    url,
    payload,
    remoteAddress: PROXY,
    headers: { "x-forwarded-for": ip },
  });
}

describe("per-account limit of credential routes (RATE_LIMIT_AUTH_ACCOUNT)", () => {
  let t: TestApp;
  let ip = 0;
  // A fresh client IP per request: the per-IP auth tier never triggers, only the per-account limit can.
  const nextIp = () => `198.51.100.${++ip}`;

  before(async () => {
    t = await buildTestApp({
      TRUST_PROXY: "10.0.0.0/8",
      RATE_LIMIT_AUTH_ACCOUNT: "min=3,hour=100,burst=3",
      // The lockout has its own tests; keep it out of the way of the limit under test.
      LOGIN_MAX_FAILURES: "1000",
    });
    await t.app.ready();
  });
  after(() => t.app.close());

  for (const [route, url, extra] of [
    ["forgot-password", "/api/v1/auth/password/forgot", {}],
    ["resend-verification", "/api/v1/auth/resend-verification", {}],
    ["login", "/api/v1/auth/login", { password: "not-the-password-1" }],
  ] as const) {
    it(`${route}: the 4th request for one address within a minute is refused, whatever IP it comes from`, async () => {
      const email = `target-${route}@example.com`;
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await fromIp(t.app, url, { email, ...extra }, nextIp())).statusCode);
      assert.ok(
        statuses.every((s) => s !== 429),
        `3 requests from 3 IPs are allowed (${statuses})`,
      );

      // Typed differently, the same mailbox: normalised before keying.
      const refused = await fromIp(t.app, url, { email: `Target-${route}@EXAMPLE.com`, ...extra }, nextIp());
      assert.equal(refused.statusCode, 429);
      assert.match(String(refused.headers["content-type"]), /^application\/problem\+json/);
      const body = refused.json();
      assert.equal(body.code, "rate_limit.exceeded");
      assert.match(body.detail, /this account/);
      assert.doesNotMatch(refused.body, /target-/i, "the problem does not echo the address");
      const retryAfter = Number(refused.headers["retry-after"]);
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
      const policy = String(refused.headers["ratelimit-policy"]);
      assert.match(policy, /"auth-min";q=10;w=60/, "the per-IP tier's policy");
      assert.match(policy, /"auth-account-min";q=3;w=60/, "and the per-account policy");
      assert.match(String(refused.headers.ratelimit), /"auth-account-min";r=0;t=\d+/);

      const other = await fromIp(t.app, url, { email: `someone-else-${route}@example.com`, ...extra }, nextIp());
      assert.notEqual(other.statusCode, 429, "another address keeps its own budget");
      assert.match(String(other.headers.ratelimit), /"auth-account-min";r=2;t=\d+/);
    });
  }

  it("keeps a budget per route: mail bombing an address does not also block its sign-in", async () => {
    const email = "bombed@example.com";
    for (let i = 0; i < 3; i++) await fromIp(t.app, "/api/v1/auth/password/forgot", { email }, nextIp());
    const forgot = await fromIp(t.app, "/api/v1/auth/password/forgot", { email }, nextIp());
    assert.equal(forgot.statusCode, 429);
    const login = await fromIp(t.app, "/api/v1/auth/login", { email, password: "not-the-password-1" }, nextIp());
    assert.equal(login.statusCode, 401);
  });

  it("does not limit one IP asking for many addresses (that is the per-IP tier's job)", async () => {
    const same = "192.0.2.50";
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push(
        (await fromIp(t.app, "/api/v1/auth/password/forgot", { email: `u${i}@example.com` }, same)).statusCode,
      );
    }
    assert.deepEqual(statuses, [202, 202, 202, 202]);
  });
});

describe("per-account limit with rate limiting off", () => {
  it("ENABLE_RATE_LIMITING=false turns it off too", async () => {
    const t = await buildTestApp({ ENABLE_RATE_LIMITING: "false", RATE_LIMIT_AUTH_ACCOUNT: "min=1,hour=1,burst=1" });
    try {
      for (let i = 0; i < 3; i++) {
        const res = await t.app.inject({
          method: "POST",
          url: "/api/v1/auth/password/forgot",
          payload: { email: "off@example.com" },
        });
        assert.equal(res.statusCode, 202);
        assert.equal(res.headers.ratelimit, undefined);
      }
    } finally {
      await t.app.close();
    }
  });
});
