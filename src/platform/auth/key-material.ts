import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from "node:crypto";
import { promisify } from "node:util";
import { calculateJwkThumbprint, exportJWK, type JWK } from "jose";

/** The JWS algorithms Rampart signs access tokens with (JWT_ALG). */
export type SigningAlgorithm = "RS256" | "ES256" | "EdDSA";
export const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = ["RS256", "ES256", "EdDSA"];

const generate = promisify(generateKeyPair);

/**
 * A fresh private key for `alg`, generated off the event loop (RSA generation takes
 * tens of milliseconds). RSA uses 2048-bit moduli: the RS256 baseline of RFC 7518 §3.3.
 */
export async function generatePrivateKey(alg: SigningAlgorithm): Promise<KeyObject> {
  switch (alg) {
    case "RS256":
      return (await generate("rsa", { modulusLength: 2048 })).privateKey;
    case "ES256":
      return (await generate("ec", { namedCurve: "P-256" })).privateKey;
    case "EdDSA":
      return (await generate("ed25519")).privateKey;
  }
}

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

const KEY_TYPES = "an RSA (≥ 2048 bits), EC P-256 or Ed25519 key";

/**
 * A PEM passed through a single-line environment variable (docker -e, many CI secret
 * stores) arrives with literal "\n" sequences; restore the line breaks it stands for.
 */
function unescapeNewlines(pem: string): string {
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

const PEM_BLOCK = /-----BEGIN ([A-Z ]+)-----[\s\S]*?-----END \1-----/g;

/** Parses a list of concatenated PEM public keys (JWT_PREVIOUS_PUBLIC_KEYS). */
export function parsePublicKeysPem(text: string, source: string): { key: KeyObject; alg: SigningAlgorithm }[] {
  const blocks = unescapeNewlines(text).match(PEM_BLOCK) ?? [];
  if (blocks.length === 0 && text.trim() !== "") throw new KeyMaterialError(`${source} contains no PEM block`);
  return blocks.map((block, index) => {
    if (block.includes("PRIVATE KEY-----")) {
      throw new KeyMaterialError(`${source} block ${index + 1} is a private key; list public keys only`);
    }
    let key: KeyObject;
    try {
      key = createPublicKey({ key: block, format: "pem" });
    } catch {
      throw new KeyMaterialError(`${source} block ${index + 1} is not a PEM public key`);
    }
    const alg = algorithmOfKey(key);
    if (!alg) throw new KeyMaterialError(`${source} block ${index + 1} must be ${KEY_TYPES}`);
    return { key, alg };
  });
}

/**
 * The public JWK published in the JWKS. `kid` is the RFC 7638 thumbprint, so every
 * instance derives the same id from the same key without coordination.
 */
export async function publicJwkOf(key: KeyObject, alg: SigningAlgorithm): Promise<JWK & { kid: string }> {
  const publicKey = key.type === "private" ? createPublicKey(key) : key;
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk, "sha256");
  return { ...jwk, kid, alg, use: "sig" };
}
