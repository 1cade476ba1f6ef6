import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { keysDirectory } from "../../../src/config/values/keys-directory.ts";
import { issueAccessToken } from "../../../src/platform/auth/access-token.ts";
import { addKey } from "../../../src/platform/auth/keyset-store.ts";
import { loadSigningKeys, type SigningKeys } from "../../../src/platform/auth/signing-keys.ts";
import { systemClock } from "../../../src/platform/clock.ts";
import { buildTestApp } from "../../helpers/app.ts";
import { keyTestSetup } from "./fixtures.ts";

const user = { userId: "user-1", sessionId: "session-1" };

describe("GET /.well-known/jwks.json", () => {
  it("answers the public keyset, cacheable for five minutes", async () => {
    const { config, logger } = keyTestSetup({ JWT_ALG: "ES256" });
    const keys = await loadSigningKeys(config, logger, systemClock);
    const { app } = await buildTestApp({}, { signingKeys: keys });
    const res = await app.inject({ url: "/.well-known/jwks.json" });
    await app.close();
    keys.close();
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers["cache-control"], "public, max-age=300");
    assert.match(String(res.headers["content-type"]), /^application\/json/);
    const body = res.json() as { keys: Record<string, unknown>[] };
    assert.deepEqual(body, keys.jwks());
    const [published] = body.keys;
    assert.ok(published);
    assert.deepEqual(Object.keys(published).sort(), ["alg", "crv", "kid", "kty", "use", "x", "y"]);
    assert.equal(published.kid, keys.active().kid);
  });

  it("the response schema is an allow-list: a private member never leaves the server, whatever the keyset holds", async () => {
    const leaky: SigningKeys = {
      active: () => {
        throw new Error("not used");
      },
      jwks: () => ({
        keys: [{ kty: "OKP", crv: "Ed25519", x: "pub", d: "PRIVATE", kid: "k", alg: "EdDSA", use: "sig" }],
      }),
      verificationKey: async () => undefined,
      reload: async () => {},
      close: () => {},
    };
    const { app } = await buildTestApp({}, { signingKeys: leaky });
    const res = await app.inject({ url: "/.well-known/jwks.json" });
    await app.close();
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json().keys[0], { kty: "OKP", crv: "Ed25519", x: "pub", kid: "k", alg: "EdDSA", use: "sig" });
  });
});

describe("a third-party verifier (jose createRemoteJWKSet over real HTTP)", () => {
  it("verifies our access tokens, before and after a rotation", async () => {
    const { config, logger } = keyTestSetup();
    const keys = await loadSigningKeys(config, logger, systemClock);
    const { app } = await buildTestApp({}, { signingKeys: keys });
    const address = await app.listen({ host: "127.0.0.1", port: 0 });
    try {
      // cooldownDuration 0: the verifier refetches at once when it meets the new kid (jose's default waits 30 s).
      const jwks = createRemoteJWKSet(new URL("/.well-known/jwks.json", address), { cooldownDuration: 0 });
      const verify = (token: string) =>
        jwtVerify(token, jwks, {
          issuer: config.JWT_ISSUER,
          audience: config.JWT_AUDIENCE,
          typ: "at+jwt",
          algorithms: ["RS256"],
        });

      const before = await issueAccessToken(keys, config, systemClock, user);
      const verified = await verify(before.accessToken);
      assert.equal(verified.payload.sub, "user-1");
      assert.equal(verified.payload.sid, "session-1");
      const oldKid = keys.active().kid;

      await addKey(keysDirectory(config.DATA_DIR), "RS256", new Date(Date.now() + 1000), logger);
      await keys.reload();
      const after = await issueAccessToken(keys, config, systemClock, user);
      assert.notEqual(decodeProtectedHeader(after.accessToken).kid, oldKid);
      assert.equal(decodeProtectedHeader(after.accessToken).kid, keys.active().kid);
      assert.equal((await verify(after.accessToken)).payload.sub, "user-1");
      // The retired key is still published, so tokens it signed before the rotation keep verifying.
      assert.equal((await verify(before.accessToken)).payload.sub, "user-1");
    } finally {
      await app.close();
      keys.close();
    }
  });
});
