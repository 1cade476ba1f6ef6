import { randomBytes } from "node:crypto";
import type { Config } from "../../config/settings/index.ts";
import type { Clock } from "../clock.ts";
import { lazyModule } from "../lazy-module.ts";
import { type ParsedJws, parseCompactJws, verifyJws } from "./compact-jws.ts";
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
  /** RFC 8176 authentication methods of the session (e.g. ["pwd"], ["pwd","otp","mfa"]); absent in older tokens. */
  amr?: readonly string[];
  /** When the user last authenticated (seconds since the epoch; OpenID Connect / RFC 9470); absent in older tokens. */
  auth_time?: number;
}

type TokenConfig = Pick<Config, "JWT_ISSUER" | "JWT_AUDIENCE" | "ACCESS_TOKEN_TTL_S">;

/** jose signs tokens only: loaded by the first sign-in, not at start (issue #21's start to ready). */
const jose = lazyModule(() => import("jose"));

/** Signs a short-lived access token for a user's session with the active key. */
export async function issueAccessToken(
  keys: SigningKeys,
  config: TokenConfig,
  clock: Clock,
  subject: { userId: string; sessionId: string; amr?: readonly string[]; authTime?: number },
): Promise<{ accessToken: string; expiresIn: number }> {
  const { kid, alg, privateKey } = keys.active();
  const iat = Math.floor(clock.now().getTime() / 1000);
  const authentication = subject.amr === undefined ? {} : { amr: [...subject.amr], auth_time: subject.authTime ?? iat };
  const { SignJWT } = await jose();
  const accessToken = await new SignJWT({ sid: subject.sessionId, ...authentication })
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

/** RFC 9068 §4: `typ` compared as a media type — case-insensitive, with or without the `application/` prefix. */
function isAccessTokenType(typ: unknown): boolean {
  if (typeof typ !== "string") return false;
  const lower = typ.toLowerCase();
  return (lower.startsWith("application/") ? lower.slice("application/".length) : lower) === ACCESS_TOKEN_TYPE;
}

/**
 * Verifies an access token and returns its claims. Everything about the token is pinned
 * to what we issue: the algorithm of the key its kid names (so `alg: none` and HS256
 * signed with our public key as the HMAC secret never reach a verifier), issuer,
 * audience, `typ`, and the presence of exp/iat/sub/sid/jti. Time comes from the injected
 * clock with CLOCK_TOLERANCE_S of skew: expired when `exp <= now - tolerance`, not yet
 * valid when `nbf` or `iat` is later than `now + tolerance`.
 *
 * The signature is checked synchronously with node:crypto (compact-jws.ts) rather than
 * jose's WebCrypto path: one verification per authenticated request was the largest single
 * cost of the hot path. Tokens are still issued by jose.
 *
 * Throws UnauthorizedError("auth.invalid_token") for every bad token, whatever goes wrong
 * in parsing: an attacker's token is a 401, never a 500.
 */
export async function verifyAccessToken(
  keys: SigningKeys,
  config: TokenConfig,
  clock: Clock,
  token: string,
): Promise<AccessTokenClaims> {
  return (await verifyAccessTokenWithKey(keys, config, clock, token)).claims;
}

/** verifyAccessToken, also naming the key that verified the token (verified-tokens.ts keeps it). */
export async function verifyAccessTokenWithKey(
  keys: SigningKeys,
  config: TokenConfig,
  clock: Clock,
  token: string,
): Promise<{ claims: AccessTokenClaims; key: VerificationKey }> {
  if (typeof token !== "string") throw authErrors.invalidAccessToken(INVALID);
  let jws: ParsedJws;
  try {
    jws = parseCompactJws(token);
  } catch (error) {
    throw authErrors.invalidAccessToken(INVALID, error);
  }
  const { header } = jws;
  if (typeof header.kid !== "string" || header.kid === "") throw authErrors.invalidAccessToken(INVALID);
  const key = await keys.verificationKey(header.kid);
  if (!key) throw authErrors.invalidAccessToken(INVALID);
  let payload: Record<string, unknown>;
  try {
    payload = verifyJws(jws, key.alg, key.publicKey);
  } catch (error) {
    throw authErrors.invalidAccessToken(INVALID, error);
  }
  if (!isAccessTokenType(header.typ)) throw authErrors.invalidAccessToken(INVALID);
  const { sub, sid, jti, iat, exp, nbf, iss, aud, amr, auth_time } = payload;
  if (iss !== config.JWT_ISSUER) throw authErrors.invalidAccessToken(INVALID);
  if (aud !== config.JWT_AUDIENCE && !(Array.isArray(aud) && aud.includes(config.JWT_AUDIENCE))) {
    throw authErrors.invalidAccessToken(INVALID);
  }
  if (typeof sub !== "string" || typeof sid !== "string" || typeof jti !== "string")
    throw authErrors.invalidAccessToken(INVALID);
  if (typeof iat !== "number" || typeof exp !== "number") throw authErrors.invalidAccessToken(INVALID);
  if (nbf !== undefined && typeof nbf !== "number") throw authErrors.invalidAccessToken(INVALID);
  if (auth_time !== undefined && typeof auth_time !== "number") throw authErrors.invalidAccessToken(INVALID);
  if (amr !== undefined && !(Array.isArray(amr) && amr.every((m) => typeof m === "string")))
    throw authErrors.invalidAccessToken(INVALID);
  const now = Math.floor(clock.now().getTime() / 1000);
  if (exp <= now - CLOCK_TOLERANCE_S) throw authErrors.invalidAccessToken(EXPIRED);
  if (iat > now + CLOCK_TOLERANCE_S || (nbf !== undefined && nbf > now + CLOCK_TOLERANCE_S)) {
    throw authErrors.invalidAccessToken(INVALID);
  }
  const claims: AccessTokenClaims = { sub, sid, jti, iat, exp, iss: config.JWT_ISSUER, aud: config.JWT_AUDIENCE };
  if (amr !== undefined) claims.amr = amr;
  if (auth_time !== undefined) claims.auth_time = auth_time;
  return { claims, key };
}
