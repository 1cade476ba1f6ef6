import assert from "node:assert/strict";
import { createHmac, createPublicKey, generateKeyPairSync, type KeyObject, sign as rawSign } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { CompactEncrypt, decodeJwt, decodeProtectedHeader, SignJWT } from "jose";
import type { Config } from "../../../src/config/settings/index.ts";
import { issueAccessToken, verifyAccessToken } from "../../../src/platform/auth/access-token.ts";
import { loadSigningKeys, type SigningKeys } from "../../../src/platform/auth/signing-keys.ts";
import { UnauthorizedError } from "../../../src/platform/errors/app-error.ts";
import { buildTestApp } from "../../helpers/app.ts";
import { keyTestSetup, type ManualClock, manualClock } from "./fixtures.ts";

const user = { userId: "user-42", sessionId: "session-7" };
const b64 = (value: unknown) =>
  Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

for (const alg of ["RS256", "ES256", "EdDSA"] as const) {
  describe(`access tokens signed ${alg}`, () => {
    it("round-trips: header kid and typ at+jwt, claims iss, aud, sub, sid, iat, exp = iat + TTL, random jti", async () => {
      const { config, logger } = keyTestSetup({ JWT_ALG: alg, ACCESS_TOKEN_TTL_S: "600" });
      const clock = manualClock();
      const keys = await loadSigningKeys(config, logger, clock);
      const { accessToken, expiresIn } = await issueAccessToken(keys, config, clock, user);
      const again = await issueAccessToken(keys, config, clock, user);
      keys.close();
      assert.equal(expiresIn, 600);
      assert.deepEqual(decodeProtectedHeader(accessToken), { alg, kid: keys.active().kid, typ: "at+jwt" });
      const claims = await verifyAccessToken(keys, config, clock, accessToken);
      const iat = Math.floor(clock.now().getTime() / 1000);
      assert.deepEqual(
        { ...claims, jti: undefined },
        { sub: "user-42", sid: "session-7", iss: "rampart", aud: "rampart-api", iat, exp: iat + 600, jti: undefined },
      );
      assert.match(claims.jti, /^[A-Za-z0-9_-]{22}$/);
      assert.notEqual(decodeJwt(again.accessToken).jti, claims.jti);
    });
  });
}

describe("access token verification rejects every bad token with 401 auth.invalid_token", () => {
  let config: Config;
  let keys: SigningKeys;
  let clock: ManualClock;
  let publicPem: string;
  let attacker: KeyObject;
  let good: string;

  before(async () => {
    const setup = keyTestSetup({ ACCESS_TOKEN_TTL_S: "900" });
    config = setup.config;
    clock = manualClock();
    keys = await loadSigningKeys(config, setup.logger, clock);
    publicPem = createPublicKey(keys.active().privateKey).export({ type: "spki", format: "pem" }) as string;
    attacker = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    good = (await issueAccessToken(keys, config, clock, user)).accessToken;
  });
  after(() => keys.close());

  const now = () => Math.floor(clock.now().getTime() / 1000);
  const claims = (extra: Record<string, unknown> = {}) => ({
    iss: "rampart",
    aud: "rampart-api",
    sub: "user-42",
    sid: "session-7",
    jti: "j1",
    iat: now(),
    exp: now() + 900,
    ...extra,
  });
  /** Signs exactly the given header and payload with our real key: only the one thing under test is wrong. */
  const ourSigned = (payload: Record<string, unknown>, header: Record<string, unknown> = {}) =>
    new SignJWT(payload)
      .setProtectedHeader({ alg: "RS256", kid: keys.active().kid, typ: "at+jwt", ...header } as { alg: string })
      .sign(keys.active().privateKey);
  const withoutClaim = (name: string) => {
    const payload: Record<string, unknown> = claims();
    delete payload[name];
    return ourSigned(payload);
  };

  const attacks: [string, () => Promise<string> | string][] = [
    ["alg none with our kid", () => `${b64({ alg: "none", kid: keys.active().kid, typ: "at+jwt" })}.${b64(claims())}.`],
    ["alg none without a signature part", () => `${b64({ alg: "none", typ: "at+jwt" })}.${b64(claims())}`],
    [
      "HS256 signed with our public key (PEM) as the HMAC secret",
      () => {
        const input = `${b64({ alg: "HS256", kid: keys.active().kid, typ: "at+jwt" })}.${b64(claims())}`;
        return `${input}.${createHmac("sha256", publicPem).update(input).digest("base64url")}`;
      },
    ],
    [
      "a foreign key with its own kid",
      () =>
        new SignJWT(claims()).setProtectedHeader({ alg: "RS256", kid: "attacker-key", typ: "at+jwt" }).sign(attacker),
    ],
    [
      "a foreign key presenting our kid",
      () =>
        new SignJWT(claims())
          .setProtectedHeader({ alg: "RS256", kid: keys.active().kid, typ: "at+jwt" })
          .sign(attacker),
    ],
    [
      "a foreign key embedded in the header (jwk)",
      async () => {
        const jwk = createPublicKey(attacker).export({ format: "jwk" });
        return new SignJWT(claims())
          .setProtectedHeader({ alg: "RS256", jwk: jwk as never, typ: "at+jwt" })
          .sign(attacker);
      },
    ],
    ["an unknown kid", () => ourSigned(claims(), { kid: "no-such-key" })],
    ["no kid", () => ourSigned(claims(), { kid: undefined })],
    ["a kid that is not a string", () => ourSigned(claims(), { kid: 42 })],
    ["PS256 with our RSA key's kid (algorithm not the key's)", () => ourSigned(claims(), { alg: "PS256" })],
    ["expired", () => ourSigned(claims({ iat: now() - 1000, exp: now() - 6 }))],
    ["not yet valid (nbf in the future)", () => ourSigned(claims({ nbf: now() + 60 }))],
    ["issued in the future (iat)", () => ourSigned(claims({ iat: now() + 60 }))],
    ["wrong audience", () => ourSigned(claims({ aud: "another-api" }))],
    ["wrong issuer", () => ourSigned(claims({ iss: "https://evil.example" }))],
    ["typ JWT (e.g. an ID token)", () => ourSigned(claims(), { typ: "JWT" })],
    ["no typ", () => ourSigned(claims(), { typ: undefined })],
    ["missing exp", () => withoutClaim("exp")],
    ["missing iat", () => withoutClaim("iat")],
    ["missing sub", () => withoutClaim("sub")],
    ["missing sid", () => withoutClaim("sid")],
    ["missing jti", () => withoutClaim("jti")],
    ["exp not a number", () => ourSigned(claims({ exp: "tomorrow" }))],
    ["sub not a string", () => ourSigned(claims({ sub: 42 }))],
    ["a tampered payload", () => good.replace(/\.[^.]+\./, `.${b64(claims({ sub: "admin" }))}.`)],
    ["a truncated signature", () => good.slice(0, -10)],
    ["an empty string", () => ""],
    ["a malformed string", () => "not-a-jwt"],
    ["three empty parts", () => ".."],
    ["garbage base64", () => "!!!.@@@.###"],
    ["a header that is not JSON", () => `${b64("{nope")}.${b64(claims())}.c2ln`],
    ["a header that is a JSON array", () => `${b64([1, 2])}.${b64(claims())}.c2ln`],
    ["a payload that is not an object", () => `${good.split(".")[0]}.${b64("null")}.${good.split(".")[2]}`],
    [
      "a raw RSA signature over a payload that is not JSON",
      () => {
        const input = `${good.split(".")[0]}.${b64("not json")}`;
        return `${input}.${rawSign("sha256", Buffer.from(input), keys.active().privateKey).toString("base64url")}`;
      },
    ],
    [
      "a JWE encrypted to our public key",
      () =>
        new CompactEncrypt(Buffer.from(JSON.stringify(claims())))
          .setProtectedHeader({ alg: "RSA-OAEP-256", enc: "A256GCM", kid: keys.active().kid, typ: "at+jwt" })
          .encrypt(createPublicKey(publicPem)),
    ],
    ["a bearer token of 10 kB of dots", () => ".".repeat(10_000)],
    // What a hand-written verifier must refuse that a library's parser refused for it.
    [
      "a critical header extension we do not implement (crit)",
      () => rawSigned({ alg: "RS256", kid: keys.active().kid, typ: "at+jwt", crit: ["exp2"], exp2: 1 }, claims()),
    ],
    ["base64 padding on the signature", () => `${good}==`],
    [
      "a character outside base64url in the signature (a lenient decoder skips it)",
      () => `${good.slice(0, -4)}!${good.slice(-4)}`,
    ],
    ["a character outside base64url in the payload", () => good.replace(".", ".*")],
    ["a fourth part", () => `${good}.${good.split(".")[2]}`],
    ["typ as a JSON number", () => ourSigned(claims(), { typ: 1 })],
    ["aud as an array without our audience", () => ourSigned(claims({ aud: ["another-api"] }))],
    ["nbf that is not a number", () => ourSigned(claims({ nbf: "soon" }))],
  ];
  /** Signs any header and payload with our real key, bypassing jose's own checks on what it signs. */
  const rawSigned = (header: Record<string, unknown>, payload: Record<string, unknown>) => {
    const input = `${b64(header)}.${b64(payload)}`;
    return `${input}.${rawSign("sha256", Buffer.from(input), keys.active().privateKey).toString("base64url")}`;
  };

  it("the untouched token verifies (the attacks below differ from it in one way each)", async () => {
    assert.equal((await verifyAccessToken(keys, config, clock, good)).sub, "user-42");
    assert.equal((await verifyAccessToken(keys, config, clock, await ourSigned(claims()))).sub, "user-42");
    const rawHeader = { alg: "RS256", kid: keys.active().kid, typ: "at+jwt" };
    assert.equal((await verifyAccessToken(keys, config, clock, rawSigned(rawHeader, claims()))).sub, "user-42");
    // RFC 9068 media type forms and an audience list that includes ours are the same token type and audience.
    for (const typ of ["AT+JWT", "application/at+jwt"]) {
      assert.equal((await verifyAccessToken(keys, config, clock, await ourSigned(claims(), { typ }))).sub, "user-42");
    }
    const listed = await ourSigned(claims({ aud: ["other", "rampart-api"] }));
    assert.equal((await verifyAccessToken(keys, config, clock, listed)).sub, "user-42");
  });

  for (const [name, build] of attacks) {
    it(name, async () => {
      const token = await build();
      await assert.rejects(verifyAccessToken(keys, config, clock, token), (error: unknown) => {
        assert.ok(error instanceof UnauthorizedError, `got ${String(error)}`);
        assert.equal(error.code, "auth.invalid_token");
        assert.equal(error.status, 401);
        return true;
      });
    });
  }

  it("a value that is not a string at all", async () => {
    await assert.rejects(verifyAccessToken(keys, config, clock, undefined as unknown as string), UnauthorizedError);
  });

  it("a token within the clock tolerance (exp 4 s ago) is accepted; 5 s ago it is expired, and says so", async () => {
    const token = (await issueAccessToken(keys, config, clock, user)).accessToken;
    clock.advance(900 + 4);
    assert.equal((await verifyAccessToken(keys, config, clock, token)).sub, "user-42");
    clock.advance(1);
    await assert.rejects(verifyAccessToken(keys, config, clock, token), {
      code: "auth.invalid_token",
      detail: "The access token has expired.",
    });
    clock.advance(-905);
  });

  it("over HTTP every attack is a 401 problem with WWW-Authenticate: Bearer error=invalid_token, never a 500", async () => {
    const { app } = await buildTestApp({}, { signingKeys: keys, clock });
    app.get(
      "/test/whoami",
      {
        config: { access: "public" },
        schema: {
          operationId: "testWhoami",
          tags: ["test"],
          security: [{ bearerAuth: [] }],
          response: { 200: { type: "object" } },
        },
      },
      async (request) => {
        const header = request.headers.authorization ?? "";
        return verifyAccessToken(keys, config, clock, header.replace(/^Bearer /, ""));
      },
    );
    const ok = await app.inject({ url: "/test/whoami", headers: { authorization: `Bearer ${good}` } });
    assert.equal(ok.statusCode, 200);
    for (const [name, build] of attacks) {
      const token = await build();
      const res = await app.inject({ url: "/test/whoami", headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.statusCode, 401, name);
      assert.match(String(res.headers["content-type"]), /^application\/problem\+json/, name);
      assert.equal(res.json().code, "auth.invalid_token", name);
      assert.match(String(res.headers["www-authenticate"]), /^Bearer realm="rampart", error="invalid_token"/, name);
      assert.doesNotMatch(res.body, /stack|jose|TypeError/i, name);
    }
    await app.close();
  });
});
