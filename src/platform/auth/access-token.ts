import { randomBytes } from "node:crypto";
import { decodeProtectedHeader, errors, jwtVerify, SignJWT } from "jose";
import type { Config } from "../../config/settings/index.ts";
import type { Clock } from "../clock.ts";
import { UnauthorizedError } from "../errors/app-error.ts";
import { authErrors } from "./errors.ts";
import { CLOCK_TOLERANCE_S, type SigningKeys, type VerificationKey } from "./signing-keys.ts";

/** RFC 9068's media type for JWT access tokens: a token of another type (an ID token, a JWE) is not accepted as one. */
export const ACCESS_TOKEN_TYPE = "at+jwt";

export interface AccessTokenClaims {
  sub: string;
  sid: string;
  jti: string;
  iat: number;
  exp: number;
  iss: string;
  aud: string;
}

type TokenConfig = Pick<Config, "JWT_ISSUER" | "JWT_AUDIENCE" | "ACCESS_TOKEN_TTL_S">;

/** Signs a short-lived access token for a user's session with the active key. */
export async function issueAccessToken(
  keys: SigningKeys,
  config: TokenConfig,
  clock: Clock,
  subject: { userId: string; sessionId: string },
): Promise<{ accessToken: string; expiresIn: number }> {
  const { kid, alg, privateKey } = keys.active();
  const iat = Math.floor(clock.now().getTime() / 1000);
  const accessToken = await new SignJWT({ sid: subject.sessionId })
    .setProtectedHeader({ alg, kid, typ: ACCESS_TOKEN_TYPE })
    .setIssuer(config.JWT_ISSUER)
    .setAudience(config.JWT_AUDIENCE)
    .setSubject(subject.userId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + config.ACCESS_TOKEN_TTL_S)
    .setJti(randomBytes(16).toString("base64url"))
    .sign(privateKey);
  return { accessToken, expiresIn: config.ACCESS_TOKEN_TTL_S };
}

const INVALID = "The access token is invalid.";
const EXPIRED = "The access token has expired.";

/**
 * Verifies an access token and returns its claims. Everything about the token is pinned
 * to what we issue: the algorithm of the key its kid names (so `alg: none` and HS256
 * signed with our public key as the HMAC secret never reach a verifier), issuer,
 * audience, `typ`, and the presence of exp/iat/sub/sid/jti. Time comes from the injected
 * clock with CLOCK_TOLERANCE_S of skew.
 *
 * Throws UnauthorizedError("auth.invalid_token") for every bad token, whatever the JWT
 * library throws (including the TypeErrors it raises for some malformed inputs): an
 * attacker's token is a 401, never a 500.
 */
export async function verifyAccessToken(
  keys: SigningKeys,
  config: TokenConfig,
  clock: Clock,
  token: string,
): Promise<AccessTokenClaims> {
  try {
    const key = await keyForToken(keys, token);
    const now = clock.now();
    const { payload } = await jwtVerify(token, key.publicKey, {
      algorithms: [key.alg],
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      typ: ACCESS_TOKEN_TYPE,
      requiredClaims: ["exp", "iat", "sub", "sid", "jti"],
      currentDate: now,
      clockTolerance: CLOCK_TOLERANCE_S,
    });
    const { sub, sid, jti, iat, exp } = payload;
    // jose checks iat only with maxTokenAge; a token issued in the future is as invalid as one with a future nbf.
    if (typeof iat !== "number" || iat > now.getTime() / 1000 + CLOCK_TOLERANCE_S)
      throw authErrors.invalidAccessToken(INVALID);
    if (typeof sub !== "string" || typeof sid !== "string" || typeof jti !== "string" || typeof exp !== "number") {
      throw authErrors.invalidAccessToken(INVALID);
    }
    // jose has checked iss and aud against exactly these values.
    return { sub, sid, jti, iat, exp, iss: config.JWT_ISSUER, aud: config.JWT_AUDIENCE };
  } catch (error) {
    if (error instanceof UnauthorizedError) throw error;
    throw authErrors.invalidAccessToken(error instanceof errors.JWTExpired ? EXPIRED : INVALID, error);
  }
}

/** The key the token's header names, if it is one of ours and still valid; anything else is an invalid token. */
async function keyForToken(keys: SigningKeys, token: string): Promise<VerificationKey> {
  // A JWE has five parts; only a compact JWS (three) can be one of our access tokens.
  if (typeof token !== "string" || token.split(".").length !== 3) throw authErrors.invalidAccessToken(INVALID);
  const header = decodeProtectedHeader(token);
  if (typeof header.kid !== "string" || header.kid === "") throw authErrors.invalidAccessToken(INVALID);
  const key = await keys.verificationKey(header.kid);
  if (!key || header.alg !== key.alg) throw authErrors.invalidAccessToken(INVALID);
  return key;
}
