import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { SignJWT } from "jose";
import type { Config } from "../../../src/config/settings/index.ts";
import { verifyAccessToken } from "../../../src/platform/auth/access-token.ts";
import { parseCompactJws, verifyJws } from "../../../src/platform/auth/compact-jws.ts";
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

  it("accepts a token not valid before now or up to 5 s ahead; refuses one 6 s ahead, or a non-numeric nbf", async () => {
    for (const nbf of [now() - 60, now(), now() + 5]) {
      assert.equal((await verifyAccessToken(keys, config, clock, await signed({ nbf }))).sub, "user-42", `nbf ${nbf}`);
    }
    assert.deepEqual(await refusal(await signed({ nbf: now() + 6 })), INVALID);
    assert.deepEqual(await refusal(await signed({ nbf: String(now()) })), INVALID);
  });

  it("refuses a header that decodes to null, a string or an array with the same 401, never a TypeError", async () => {
    const [, payload, signature] = (await signed({})).split(".");
    for (const header of ["null", '"at+jwt"', "[]"]) {
      const token = `${Buffer.from(header).toString("base64url")}.${payload}.${signature}`;
      assert.deepEqual(await refusal(token), INVALID, header);
    }
  });

  it("refuses one of our own tokens with padding or a foreign character added to any part", async () => {
    const token = await signed({});
    assert.equal((await verifyAccessToken(keys, config, clock, token)).sub, "user-42");
    const [h, p, sig] = token.split(".") as [string, string, string];
    for (const tampered of [`${h}.${p}.${sig}=`, `${h}.${p}.${sig.slice(0, 8)}*${sig.slice(8)}`, `${h}=.${p}.${sig}`]) {
      assert.deepEqual(await refusal(tampered), INVALID, tampered);
    }
  });

  it("the JWS layer names why it refuses (the 401 hides the reason; it travels as the refusal's cause)", async () => {
    const token = await signed({});
    const [h, p, sig] = token.split(".") as [string, string, string];
    const key = await keys.verificationKey(keys.active().kid);
    assert.ok(key);
    const header = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const reasons: [() => unknown, string][] = [
      [() => parseCompactJws(`${h}.${p}`), "not a compact JWS"],
      [() => parseCompactJws(`${h}.${p}.${sig}=`), "not base64url"],
      [() => parseCompactJws(`.${p}.${sig}`), "an empty part"],
      [() => parseCompactJws(`${Buffer.from("{").toString("base64url")}.${p}.${sig}`), "not JSON"],
      [() => parseCompactJws(`${header([1])}.${p}.${sig}`), "not an object"],
      [() => parseCompactJws(`${header("at+jwt")}.${p}.${sig}`), "not an object"],
      [
        () => verifyJws(parseCompactJws(`${header({ alg: "HS256" })}.${p}.${sig}`), key.alg, key.publicKey),
        "algorithm is not the key's",
      ],
      [
        () =>
          verifyJws(parseCompactJws(`${header({ alg: key.alg, crit: ["exp"] })}.${p}.${sig}`), key.alg, key.publicKey),
        "critical extensions are not supported",
      ],
      [
        () => verifyJws(parseCompactJws(`${h}.${p}.${sig.slice(0, -4)}AAAA`), key.alg, key.publicKey),
        "signature does not verify",
      ],
    ];
    for (const [call, message] of reasons) assert.throws(call, { message }, message);
  });
});
