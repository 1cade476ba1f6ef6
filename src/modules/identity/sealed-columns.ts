import type { SealedColumn } from "../../platform/crypto/sealed-columns.ts";

/** The purpose TOTP seeds are sealed under (the same key list derives a key per purpose). */
export const TOTP_SECRETS_PURPOSE = "totp-secrets";

/** Where identity keeps values sealed with ENCRYPTION_KEY, for `rampart keys rotate-encryption`. */
export const identitySealedColumns: readonly SealedColumn[] = [
  { table: "user_factors", idColumn: "id", column: "secret_sealed", purpose: TOTP_SECRETS_PURPOSE },
];
