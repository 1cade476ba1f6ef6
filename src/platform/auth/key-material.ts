import { createHash, createPublicKey, generateKeyPair, type KeyObject } from "node:crypto";
import { promisify } from "node:util";
import type { JWK } from "jose";
import {
  algorithmOfKey,
  KEY_TYPES,
  KeyMaterialError,
  type SigningAlgorithm,
  unescapeNewlines,
} from "../../config/values/private-key.ts";

// What configuration validates (the algorithms, a PEM private key) lives in config/values/private-key.ts.
export {
  algorithmOfKey,
  KeyMaterialError,
  parsePrivateKeyPem,
  SIGNING_ALGORITHMS,
  type SigningAlgorithm,
} from "../../config/values/private-key.ts";

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
  // node:crypto's own export, which is what jose's exportJWK returns for a KeyObject; with the
  // thumbprint below, a start loads no jose module (issue #21's start to ready).
  const jwk = publicKey.export({ format: "jwk" }) as JWK;
  return { ...jwk, kid: jwkThumbprint(jwk), alg, use: "sig" };
}

/** RFC 7638 §3: SHA-256 over the key type's required members, in lexicographic order, as JSON. */
export function jwkThumbprint(jwk: JWK): string {
  const required =
    jwk.kty === "RSA"
      ? { e: jwk.e, kty: jwk.kty, n: jwk.n }
      : jwk.kty === "EC"
        ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
        : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  return createHash("sha256").update(JSON.stringify(required)).digest("base64url");
}
