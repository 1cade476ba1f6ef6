import { type KeyObject, verify } from "node:crypto";
import type { SigningAlgorithm } from "./key-material.ts";

/** Why a compact JWS was refused; the caller turns every one of these into the same 401. */
export class InvalidJwsError extends Error {}

/** A compact JWS split and its header decoded, once: what choosing the key and verifying need. */
export interface ParsedJws {
  readonly header: Record<string, unknown>;
  readonly signingInput: string;
  readonly encodedPayload: string;
  readonly signature: Buffer;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Node's verify() arguments per algorithm: ECDSA signatures in JOSE are r‖s, not DER (RFC 7518 §3.4). */
const VERIFY_ALGORITHMS: Record<SigningAlgorithm, { digest: string | null; dsaEncoding?: "ieee-p1363" }> = {
  RS256: { digest: "sha256" },
  ES256: { digest: "sha256", dsaEncoding: "ieee-p1363" },
  EdDSA: { digest: null },
};

/**
 * Splits a compact JWS (RFC 7515 §7.1) and decodes its header, verifying nothing yet (the
 * header's kid picks the key). Strict where a lenient parser would accept a token we never
 * issued: exactly three parts, every part base64url with no padding or foreign characters
 * (Node's decoder would skip them), the header a JSON object.
 */
export function parseCompactJws(token: string): ParsedJws {
  const parts = token.split(".");
  if (parts.length !== 3) throw new InvalidJwsError("not a compact JWS");
  const [encodedHeader = "", encodedPayload = "", encodedSignature = ""] = parts;
  if (!BASE64URL.test(encodedHeader) || !BASE64URL.test(encodedPayload) || !BASE64URL.test(encodedSignature)) {
    throw new InvalidJwsError("not base64url");
  }
  return {
    header: decodeJsonObject(encodedHeader),
    signingInput: `${encodedHeader}.${encodedPayload}`,
    encodedPayload,
    signature: Buffer.from(encodedSignature, "base64url"),
  };
}

/**
 * Verifies a parsed JWS signed with `alg` by `key`, synchronously, with the KeyObject the
 * keyset already holds: no WebCrypto job, no promise, no key import per call — the cost that
 * dominated token verification on every authenticated request. The header's `alg` must be
 * the key's, and no `crit` extension is accepted (we issue none, and an unknown critical one
 * must be refused). The signature is checked over the token's own bytes before the payload
 * is parsed; returns the payload, a JSON object.
 */
export function verifyJws(jws: ParsedJws, alg: SigningAlgorithm, key: KeyObject): Record<string, unknown> {
  if (jws.header.alg !== alg) throw new InvalidJwsError("algorithm is not the key's");
  if (jws.header.crit !== undefined) throw new InvalidJwsError("critical extensions are not supported");
  const { digest, dsaEncoding } = VERIFY_ALGORITHMS[alg];
  const signingInput = Buffer.from(jws.signingInput, "ascii");
  const valid = verify(digest, signingInput, dsaEncoding ? { key, dsaEncoding } : key, jws.signature);
  if (!valid) throw new InvalidJwsError("signature does not verify");
  return decodeJsonObject(jws.encodedPayload);
}

/** A non-empty part already checked to be base64url, decoded to a JSON object. */
function decodeJsonObject(part: string): Record<string, unknown> {
  if (part === "") throw new InvalidJwsError("an empty part");
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
  } catch {
    throw new InvalidJwsError("not JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new InvalidJwsError("not an object");
  return value as Record<string, unknown>;
}
