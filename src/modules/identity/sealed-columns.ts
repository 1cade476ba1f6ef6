/**
 * Where identity keeps values sealed with ENCRYPTION_KEY, for the key-rotation command that
 * re-seals them under the newest key (platform/crypto/secret-sealer.ts `isCurrent`).
 */
export interface SealedColumn {
  readonly table: string;
  readonly idColumn: string;
  readonly column: string;
  /** The sealer's purpose: the same key list derives a different key per purpose. */
  readonly purpose: string;
}

export const SEALED_TOTP_SECRETS: SealedColumn = {
  table: "user_factors",
  idColumn: "id",
  column: "secret_sealed",
  purpose: "totp-secrets",
};
