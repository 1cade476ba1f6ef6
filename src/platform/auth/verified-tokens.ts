import { LRUCache } from "lru-cache";
import type { Clock } from "../clock.ts";
import { type AccessTokenClaims, verifyAccessTokenWithKey } from "./access-token.ts";
import { authErrors } from "./errors.ts";
import { CLOCK_TOLERANCE_S, type SigningKeys, type VerificationKey } from "./signing-keys.ts";

/**
 * A client sends the same access token with every request for its lifetime, so each signature
 * is checked once per instance and the verdict kept, keyed by the whole token string (a token
 * differing in any byte is a different key and is verified afresh). The signature check was
 * the largest CPU cost left on an authenticated read. On a hit, what can change since is
 * checked again: time (expiry, with the same tolerance) and whether the key that verified it
 * is still the keyset's key for that kid — a key removed or replaced by a reload sends the
 * token through full verification again. Revocation is not the token's business: the session
 * lookup that follows (sessions.ts) refuses a revoked session either way. Only verified
 * tokens are kept, so garbage and attack tokens never occupy the cache.
 */
export const VERIFIED_TOKENS_MAX = 5_000;

interface Verified {
  readonly claims: AccessTokenClaims;
  readonly key: VerificationKey;
}

const byKeys = new WeakMap<SigningKeys, LRUCache<string, Verified>>();

type TokenConfig = Parameters<typeof verifyAccessTokenWithKey>[1];

/** verifyAccessToken, remembering each verified token until it expires (or its key goes). */
export async function verifyAccessTokenOnce(
  keys: SigningKeys,
  config: TokenConfig,
  clock: Clock,
  token: string,
): Promise<AccessTokenClaims> {
  let verified = byKeys.get(keys);
  if (verified === undefined) {
    verified = new LRUCache({ max: VERIFIED_TOKENS_MAX });
    byKeys.set(keys, verified);
  }
  const hit = typeof token === "string" ? verified.get(token) : undefined;
  if (hit !== undefined) {
    const now = Math.floor(clock.now().getTime() / 1000);
    const { claims } = hit;
    if (claims.exp <= now - CLOCK_TOLERANCE_S) {
      verified.delete(token);
      throw authErrors.invalidAccessToken("The access token has expired.");
    }
    if (claims.iat <= now + CLOCK_TOLERANCE_S && (await keys.verificationKey(hit.key.kid)) === hit.key) {
      return claims;
    }
    verified.delete(token);
  }
  const fresh = await verifyAccessTokenWithKey(keys, config, clock, token);
  verified.set(token, fresh);
  return fresh.claims;
}
