import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { issueAccessToken } from "../../../src/platform/auth/access-token.ts";
import { loadSigningKeys, type SigningKeys, type VerificationKey } from "../../../src/platform/auth/signing-keys.ts";
import { verifyAccessTokenOnce } from "../../../src/platform/auth/verified-tokens.ts";
import { UnauthorizedError } from "../../../src/platform/errors/app-error.ts";
import { keyTestSetup, manualClock } from "./fixtures.ts";

/**
 * The real keyset, seen through a window that counts how often a public key is used to check
 * a signature, and that can make a kid unknown (a key removed from the keyset).
 */
function observedKeys(keys: SigningKeys) {
  let signatureChecks = 0;
  let removed = false;
  const views = new Map<VerificationKey, VerificationKey>();
  const observed: SigningKeys = {
    ...keys,
    active: () => keys.active(),
    jwks: () => keys.jwks(),
    async verificationKey(kid) {
      const key = await keys.verificationKey(kid);
      if (removed || key === undefined) return undefined;
      let view = views.get(key);
      if (view === undefined) {
        view = {
          kid: key.kid,
          alg: key.alg,
          get publicKey() {
            signatureChecks++;
            return key.publicKey;
          },
        };
        views.set(key, view);
      }
      return view;
    },
  };
  return {
    keys: observed,
    checks: () => signatureChecks,
    remove: () => {
      removed = true;
    },
  };
}

const refusal = (message: RegExp) => (error: unknown) =>
  error instanceof UnauthorizedError && error.code === "auth.invalid_token" && message.test(error.message);

describe("verified access tokens are remembered per instance", () => {
  async function setup() {
    const { config, logger } = keyTestSetup({ ACCESS_TOKEN_TTL_S: "600" });
    const clock = manualClock();
    const real = await loadSigningKeys(config, logger, clock);
    const seen = observedKeys(real);
    const { accessToken } = await issueAccessToken(real, config, clock, { userId: "u-1", sessionId: "s-1" });
    return { config, clock, real, seen, accessToken };
  }

  it("checks a token's signature once; later requests with the same token get the same claims without a check", async () => {
    const { config, clock, real, seen, accessToken } = await setup();
    const first = await verifyAccessTokenOnce(seen.keys, config, clock, accessToken);
    assert.equal(seen.checks(), 1);
    const again = await verifyAccessTokenOnce(seen.keys, config, clock, accessToken);
    assert.deepEqual(again, first);
    assert.equal(seen.checks(), 1);
    real.close();
  });

  it("a remembered token still expires, with the same tolerance", async () => {
    const { config, clock, real, seen, accessToken } = await setup();
    await verifyAccessTokenOnce(seen.keys, config, clock, accessToken);
    clock.advance(600 + 4);
    await verifyAccessTokenOnce(seen.keys, config, clock, accessToken);
    clock.advance(1);
    await assert.rejects(verifyAccessTokenOnce(seen.keys, config, clock, accessToken), refusal(/expired/));
    real.close();
  });

  it("a remembered token whose key left the keyset is refused", async () => {
    const { config, clock, real, seen, accessToken } = await setup();
    await verifyAccessTokenOnce(seen.keys, config, clock, accessToken);
    seen.remove();
    await assert.rejects(verifyAccessTokenOnce(seen.keys, config, clock, accessToken), refusal(/invalid/));
    real.close();
  });

  it("a token differing by one byte from a remembered one is verified, and refused", async () => {
    const { config, clock, real, seen, accessToken } = await setup();
    await verifyAccessTokenOnce(seen.keys, config, clock, accessToken);
    const [header, payload, signature] = accessToken.split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: "u-2" })).toString("base64url")}.${signature}`;
    await assert.rejects(verifyAccessTokenOnce(seen.keys, config, clock, forged), refusal(/invalid/));
    await assert.rejects(verifyAccessTokenOnce(seen.keys, config, clock, `${accessToken}x`), refusal(/invalid/));
    assert.equal(seen.checks(), 3, "each variant had its signature checked");
    real.close();
  });
});
