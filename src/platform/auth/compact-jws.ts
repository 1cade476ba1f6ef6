import { type KeyObject, verify } from "node:crypto";
import type { SigningAlgorithm } from "./key-material.ts";

/** Why a compact JWS was refused; the caller turns every one of these into the same 401. */
export class InvalidJwsError extends Error {}

export interface VerifiedJws {
  readonly header: Record<string, unknown>;
  readonly payload: Record<string, unknown>;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Node's verify() arguments per algorithm: ECDSA signatures in JOSE are r‖s, not DER (RFC 7518 §3.4). */
const VERIFY_ALGORITHMS: Record<SigningAlgorithm, { digest: string | null; dsaEncoding?: "ieee-p1363" }> = {
  RS256: { digest: "sha256" },
  ES256: { digest: "sha256", dsaEncoding: "ieee-p1363" },
  EdDSA: { digest: null },
};

/** The header of a compact JWS, decoded without verifying anything (to pick the key by kid). */
export function decodeJwsHeader(token: string): Record<string, unknown> {
  const end = token.indexOf(".");
  if (end <= 0) throw new InvalidJwsError("no header");
  return decodeJsonObject(token.slice(0, end));
}

/**
 * Verifies a compact JWS (RFC 7515 §7.1) signed with `alg` by `key`, synchronously, with
 * the KeyObject the keyset already holds: no WebCrypto job, no promise, no key import per
 * call — the cost that dominated token verification on every authenticated request.
 *
 * Strict where a lenient parser would accept a token we never issued: exactly three parts,
 * every part base64url with no padding or foreign characters (Node's decoder would skip
 * them), the header's `alg` equal to the key's, no `crit` extensions (we issue none, and an
 * unknown critical one must be refused), header and payload JSON objects. The signature is
 * checked over the token's own bytes before the payload is parsed.
 */
export function verifyCompactJws(token: string, alg: SigningAlgorithm, key: KeyObject): VerifiedJws {
  const parts = token.split(".");
  if (parts.length !== 3) throw new InvalidJwsError("not a compact JWS");
  const [encodedHeader = "", encodedPayload = "", encodedSignature = ""] = parts;
  if (!BASE64URL.test(encodedHeader) || !BASE64URL.test(encodedPayload) || !BASE64URL.test(encodedSignature)) {
    throw new InvalidJwsError("not base64url");
  }
  const header = decodeJsonObject(encodedHeader);
  if (header.alg !== alg) throw new InvalidJwsError("algorithm is not the key's");
  if (header.crit !== undefined) throw new InvalidJwsError("critical extensions are not supported");
  const { digest, dsaEncoding } = VERIFY_ALGORITHMS[alg];
  const signingInput = Buffer.from(`${encodedHeader}.${encodedPayload}`, "ascii");
  const signature = Buffer.from(encodedSignature, "base64url");
  const valid = verify(digest, signingInput, dsaEncoding ? { key, dsaEncoding } : key, signature);
  if (!valid) throw new InvalidJwsError("signature does not verify");
  return { header, payload: decodeJsonObject(encodedPayload) };
}

function decodeJsonObject(part: string): Record<string, unknown> {
  if (part === "" || !BASE64URL.test(part)) throw new InvalidJwsError("not base64url");
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
  } catch {
    throw new InvalidJwsError("not JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new InvalidJwsError("not an object");
  return value as Record<string, unknown>;
}
