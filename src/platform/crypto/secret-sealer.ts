import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

/**
 * Secrets Rampart must read back (webhook signing secrets, TOTP seeds, SSO client secrets) are
 * sealed with AES-256-GCM under a key derived from ENCRYPTION_KEY and the secret's purpose, so
 * one purpose's ciphertext never opens as another's. Several keys may be configured, newest
 * first: the newest seals, every one opens (key rotation). Each sealed value starts with the id
 * of the key that sealed it, so opening needs one decryption and a re-encryption pass can tell
 * which rows are not yet under the newest key. Without a key (development and tests only:
 * production refuses to start) a fixed development key is used, marked `dev:`.
 */
const DEV_KEY = "rampart-development-only-webhook-secret-key";
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface SecretSealer {
  /** False when sealing with the development key (no ENCRYPTION_KEY configured). */
  readonly configured: boolean;
  seal(secret: string): string;
  /** Throws when no configured key opens the value (wrong key, or tampered). */
  unseal(sealed: string): string;
  /** True when the value is sealed with the newest key (a rotation pass skips it). */
  isCurrent(sealed: string): boolean;
}

interface SealingKey {
  readonly id: string;
  readonly key: Buffer;
}

/** A key's public id: a digest of the key, so reordering keys never mislabels a value. */
export function encryptionKeyId(secretKey: string): string {
  return createHash("sha256").update(`rampart-encryption-key-id\u0000${secretKey}`).digest("hex").slice(0, 12);
}

function sealingKey(secretKey: string | undefined, purpose: string): SealingKey {
  return {
    id: secretKey === undefined ? "dev" : encryptionKeyId(secretKey),
    key: createHash("sha256")
      .update(`rampart-${purpose}\u0000${secretKey ?? DEV_KEY}`)
      .digest(),
  };
}

function open(key: Buffer, data: string): string {
  const raw = Buffer.from(data, "base64");
  const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, IV_BYTES));
  decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
}

/**
 * `keys`: the configured ENCRYPTION_KEY list, newest first (empty or undefined: development key).
 * `purpose`: what the secrets are, e.g. "webhook-secrets" or "totp-secrets".
 */
export function secretSealer(keys: readonly string[] | undefined, purpose: string): SecretSealer {
  const configured = keys !== undefined && keys.length > 0;
  const sealing = configured ? keys.map((key) => sealingKey(key, purpose)) : [sealingKey(undefined, purpose)];
  const newest = sealing[0] as SealingKey;
  return {
    configured,
    seal(secret) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", newest.key, iv);
      const body = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
      return `${newest.id}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64")}`;
    },
    unseal(sealed) {
      const separator = sealed.indexOf(":");
      const id = sealed.slice(0, separator);
      const data = sealed.slice(separator + 1);
      const named = sealing.find((candidate) => candidate.id === id);
      if (named !== undefined) return open(named.key, data);
      // Values sealed before keys had ids ("k1:"): try each configured key.
      for (const candidate of sealing) {
        try {
          return open(candidate.key, data);
        } catch {
          // not this key
        }
      }
      throw new Error("No configured encryption key opens this sealed value.");
    },
    isCurrent(sealed) {
      return sealed.startsWith(`${newest.id}:`);
    },
  };
}
