import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";
const PREFIX_LENGTH = 12;
/** rk_<12 base32 chars>_<43 base64url chars>: recognisable to secret scanners, parseable without a lookup. */
const KEY_FORMAT = /^rk_([a-z2-7]{12})_([A-Za-z0-9_-]{43})$/;

export interface MintedKey {
  readonly prefix: string;
  readonly secretHash: string;
  /** The whole key, shown to its creator once. */
  readonly key: string;
}

export function mintApiKey(): MintedKey {
  const prefix = Array.from(randomBytes(PREFIX_LENGTH), (byte) => BASE32[byte % 32]).join("");
  const secret = randomBytes(32).toString("base64url");
  return { prefix, secretHash: hashSecret(secret), key: `rk_${prefix}_${secret}` };
}

/** A 256-bit random secret needs no slow hash: SHA-256 cannot be brute-forced back to it. */
function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

export function parseApiKey(presented: string): { prefix: string; secret: string } | undefined {
  const match = KEY_FORMAT.exec(presented);
  return match ? { prefix: match[1] as string, secret: match[2] as string } : undefined;
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(hashSecret(secret), "hex");
  const stored = Buffer.from(storedHash, "hex");
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}
