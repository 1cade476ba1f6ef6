import { Type } from "@sinclair/typebox";
import type { ConfigRule, SettingGroup } from "../setting.ts";
import { DOCUMENTED_ENCRYPTION_KEY_EXAMPLE, encryptionKeyProblems } from "../values/encryption-keys.ts";

/**
 * The key that seals the secrets Rampart must read back (webhook signing secrets, TOTP seeds,
 * SSO client secrets), and the retired keys that still open them during a rotation
 * (docs/security.md, "Secrets at rest").
 */
export const encryptionSettings = {
  ENCRYPTION_KEY: {
    schema: Type.String({ minLength: 32, description: "at least 32 random characters" }),
    description:
      "Seals secrets Rampart must read back (webhook signing secrets, TOTP seeds) with AES-256-GCM. Required in production; at least 32 random characters, e.g. the output of `openssl rand -base64 48` (the example below is public and refused).",
    example: DOCUMENTED_ENCRYPTION_KEY_EXAMPLE,
    secret: true,
  },
  ENCRYPTION_KEYS_PREVIOUS: {
    schema: Type.String({ minLength: 32, description: "comma-separated keys of at least 32 random characters" }),
    description:
      "Key rotation: comma-separated retired ENCRYPTION_KEYs that still open values sealed under them (newest first) until `rampart keys rotate-encryption` has re-sealed everything under ENCRYPTION_KEY.",
    example: DOCUMENTED_ENCRYPTION_KEY_EXAMPLE,
    secret: true,
  },
} satisfies SettingGroup;

export const encryptionRules: ConfigRule[] = [
  (c) =>
    encryptionKeyProblems({
      ENCRYPTION_KEY: c.ENCRYPTION_KEY as string | undefined,
      ENCRYPTION_KEYS_PREVIOUS: c.ENCRYPTION_KEYS_PREVIOUS as string | undefined,
    }),
  // Development and tests seal with a fixed development key; production's sealed secrets
  // would then open with a key printed in the source code.
  (c) =>
    c.APP_ENV === "production" && c.ENCRYPTION_KEY === undefined
      ? [
          {
            name: "ENCRYPTION_KEY",
            message:
              "is required in production: at least 32 random characters (e.g. `openssl rand -base64 48`) that seal webhook signing secrets and TOTP seeds",
          },
        ]
      : [],
];
