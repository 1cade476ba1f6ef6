import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { SignJWT } from "jose";
import type { Config } from "../../../src/config/settings/index.ts";
import { verifyAccessToken } from "../../../src/platform/auth/access-token.ts";
import { loadSigningKeys, type SigningKeys } from "../../../src/platform/auth/signing-keys.ts";
import { UnauthorizedError } from "../../../src/platform/errors/app-error.ts";
import { keyTestSetup, type ManualClock, manualClock } from "./fixtures.ts";

// What verifyAccessToken checks beyond the JWT library: the type of each claim it hands on, and
// the edge of the clock tolerance for a token issued in the future (mutation testing found both
// unchecked, and the refusal's wording unread).
describe("access token claims", () => {
  let config: Config;
  let keys: SigningKeys;
  let clock: ManualClock;
  before(async () => {
    const setup = keyTestSetup({ ACCESS_TOKEN_TTL_S: "900" });
    config = setup.config;
    clock = manualClock(new Date("2026-01-01T00:00:00Z"));
    keys = await loadSigningKeys(config, setup.logger, clock);
  });
  after(() => keys.close());

  const now = () => clock.now().getTime() / 1000;
  const signed = (extra: Record<string, unknown>) =>
    new SignJWT({ sub: "user-42", sid: "session-7", jti: "j1", iat: now(), exp: now() + 900, ...extra })
      .setProtectedHeader({ alg: keys.active().alg, kid: keys.active().kid, typ: "at+jwt" })
      .setIssuer("rampart")
      .setAudience("rampart-api")
      .sign(keys.active().privateKey);
  const refusal = async (token: string) => {
    try {
      await verifyAccessToken(keys, config, clock, token);
    } catch (error) {
      assert.ok(error instanceof UnauthorizedError, String(error));
      return { code: error.code, message: error.message, challenge: error.headers?.["www-authenticate"] };
    }
    assert.fail("the token was accepted");
  };
  const INVALID = {
    code: "auth.invalid_token",
    message: "The access token is invalid.",
    challenge: 'Bearer realm="rampart", error="invalid_token", error_description="The access token is invalid."',
  };

  it("refuses a token whose session id or token id is present but not a string, saying it is invalid", async () => {
    assert.deepEqual(await refusal(await signed({ sid: 7 })), INVALID);
    assert.deepEqual(await refusal(await signed({ jti: 1 })), INVALID);
    assert.deepEqual(await refusal(await signed({ sub: 42 })), INVALID);
  });

  it("accepts a token issued up to the 5 s clock tolerance in the future, and refuses one issued 6 s ahead", async () => {
    const edge = await verifyAccessToken(keys, config, clock, await signed({ iat: now() + 5 }));
    assert.equal(edge.iat, now() + 5);
    assert.deepEqual(await refusal(await signed({ iat: now() + 6 })), INVALID);
  });

  it("hands on amr and auth_time when well-formed, and refuses them malformed", async () => {
    const claims = await verifyAccessToken(
      keys,
      config,
      clock,
      await signed({ amr: ["pwd", "otp", "mfa"], auth_time: now() - 60 }),
    );
    assert.deepEqual(claims.amr, ["pwd", "otp", "mfa"]);
    assert.equal(claims.auth_time, now() - 60);
    const older = await verifyAccessToken(keys, config, clock, await signed({}));
    assert.equal(older.amr, undefined);
    assert.equal(older.auth_time, undefined);
    assert.deepEqual(await refusal(await signed({ amr: "mfa" })), INVALID);
    assert.deepEqual(await refusal(await signed({ amr: ["pwd", 1] })), INVALID);
    assert.deepEqual(await refusal(await signed({ auth_time: "recently" })), INVALID);
  });
});
