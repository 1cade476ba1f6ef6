/** A registered passkey (migrations/0013_passkeys.ts); listed in ../tables.ts with identity's other tables. */
export interface PasskeysTable {
  id: string;
  user_id: string;
  /** base64url, as the browser sends it in `id`. */
  credential_id: string;
  /** The COSE public key, base64url. */
  public_key: string;
  /** bigint in PostgreSQL: read through Number(). */
  counter: number | string;
  /** JSON array of AuthenticatorTransport strings. */
  transports: unknown;
  /** `singleDevice` (device-bound key) or `multiDevice` (synced passkey). */
  device_type: string;
  aaguid: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
}

export type ChallengePurpose = "registration" | "sign_in" | "second_factor";

export interface WebauthnChallengesTable {
  id: string;
  challenge: string;
  purpose: ChallengePurpose;
  user_id: string | null;
  created_at: string;
  expires_at: string;
}
