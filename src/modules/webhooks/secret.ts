import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

/**
 * The signing secrets are the one secret Rampart must read back (to sign), so they are
 * sealed with AES-256-GCM under a key derived from ENCRYPTION_KEY. Without one (development
 * and tests only: production refuses to create an endpoint) a fixed development key is
 * used, marked `dev:` so such rows are recognisable.
 */
const DEV_KEY = "rampart-development-only-webhook-secret-key";

export interface SecretSealer {
  readonly configured: boolean;
  seal(secret: string): string;
  unseal(sealed: string): string;
}

export function secretSealer(encryptionKey: string | undefined): SecretSealer {
  const label = encryptionKey === undefined ? "dev" : "k1";
  const key = createHash("sha256")
    .update(`rampart-webhook-secrets\u0000${encryptionKey ?? DEV_KEY}`)
    .digest();
  return {
    configured: encryptionKey !== undefined,
    seal(secret) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const body = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
      return `${label}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64")}`;
    },
    unseal(sealed) {
      const [, data = ""] = sealed.split(":", 2);
      const raw = Buffer.from(data, "base64");
      const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
    },
  };
}
