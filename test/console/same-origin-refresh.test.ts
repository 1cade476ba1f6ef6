import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { enginesUnderTest } from "../helpers/database.ts";
import { type IdentityHarness, identityHarness, STRONG_PASSWORD, signedInUser } from "../helpers/identity.ts";

// The console is served by Rampart itself, so its cookie refresh comes from the API's own
// origin, which need not be PUBLIC_APP_URL (the customer's app) nor a CORS origin.

const [sqlite] = await enginesUnderTest();

describe("cookie refresh from the API's own origin (the console)", () => {
  let h: IdentityHarness;
  let cookie: string;
  before(async () => {
    assert.ok(sqlite);
    h = await identityHarness(sqlite);
    await signedInUser(h, "console@example.com");
  });
  after(() => h.close());

  const login = async () => {
    const res = await h.app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      headers: { host: "rampart.example:8000" },
      payload: { email: "console@example.com", password: STRONG_PASSWORD },
    });
    assert.equal(res.statusCode, 200);
    cookie = String(res.headers["set-cookie"]).split(";")[0] as string;
  };
  const refresh = (origin: string) =>
    h.app.inject({
      method: "POST",
      url: "/api/v1/auth/refresh",
      headers: { host: "rampart.example:8000", cookie, origin },
    });

  it("is allowed when Origin is the scheme and Host the request came to", async () => {
    await login();
    const res = await refresh("http://rampart.example:8000");
    assert.equal(res.statusCode, 200, res.body);
  });

  it("is still refused from any other origin, a port or scheme apart included", async () => {
    await login();
    for (const origin of ["http://rampart.example:8001", "https://rampart.example:8000", "http://evil.example"]) {
      const res = await refresh(origin);
      assert.equal(res.statusCode, 403, origin);
      assert.equal((res.json() as { code: string }).code, "auth.origin_rejected");
    }
  });
});
