import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

/** 256 bits from the CSPRNG, URL-safe: refresh, verification and reset tokens. */
export function newOpaqueToken(): string {
  return randomBytes(32).toString("base64url");
}

/** Tokens are stored only as SHA-256: they carry 256 bits of entropy, so a fast hash suffices. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/**
 * Seals the successor of a rotated refresh token with a key derived from the *old* token,
 * so that within the reuse grace the holder of the old token (another tab) can be handed the
 * same successor, while the database alone (a dump, a leak) reveals nothing usable.
 */
export function sealWith(oldToken: string, secret: string): string {
  const key = createHash("sha256").update(`rampart-refresh-seal:${oldToken}`).digest();
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const sealed = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString("base64url");
}

export function unsealWith(oldToken: string, sealed: string): string | undefined {
  try {
    const raw = Buffer.from(sealed, "base64url");
    const key = createHash("sha256").update(`rampart-refresh-seal:${oldToken}`).digest();
    const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
  } catch {
    return undefined;
  }
}

/** Lower-cased, trimmed, NFKC: one account per mailbox however the address is typed. */
export function normalizeEmail(email: string): string {
  return email.normalize("NFKC").trim().toLowerCase();
}
