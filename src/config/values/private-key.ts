import { createPrivateKey, type KeyObject } from "node:crypto";

/** The JWS algorithms Rampart signs access tokens with (JWT_ALG). */
export type SigningAlgorithm = "RS256" | "ES256" | "EdDSA";
export const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = ["RS256", "ES256", "EdDSA"];

/** The one algorithm a key may be used with, from its type; undefined for key types we do not sign with. */
export function algorithmOfKey(key: KeyObject): SigningAlgorithm | undefined {
  if (key.asymmetricKeyType === "rsa" && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048) return "RS256";
  if (key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1") return "ES256";
  if (key.asymmetricKeyType === "ed25519") return "EdDSA";
  return undefined;
}

/**
 * Thrown for unusable key material. The message names the setting or file and what is
 * wrong, never the key itself (Node's own parse errors are not passed on as the cause
 * so that nothing derived from the input reaches a log line).
 */
export class KeyMaterialError extends Error {
  override name = "KeyMaterialError";
}

export const KEY_TYPES = "an RSA (≥ 2048 bits), EC P-256 or Ed25519 key";

/**
 * A PEM passed through a single-line environment variable (docker -e, many CI secret
 * stores) arrives with literal "\n" sequences; restore the line breaks it stands for.
 */
export function unescapeNewlines(pem: string): string {
  return pem.includes("\n") || !pem.includes("\\n") ? pem : pem.replaceAll("\\n", "\n");
}

/** Parses one PEM private key (PKCS#8 or PKCS#1/SEC1) and checks it can sign. */
export function parsePrivateKeyPem(pem: string, source: string): { key: KeyObject; alg: SigningAlgorithm } {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: unescapeNewlines(pem), format: "pem" });
  } catch {
    throw new KeyMaterialError(`${source} is not a PEM private key`);
  }
  const alg = algorithmOfKey(key);
  if (!alg) throw new KeyMaterialError(`${source} must be ${KEY_TYPES}`);
  return { key, alg };
}
