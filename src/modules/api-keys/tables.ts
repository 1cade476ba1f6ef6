export interface ApiKeysTable {
  id: string;
  company_id: string;
  name: string;
  /** Public, unique: how a presented key is found. */
  prefix: string;
  /** SHA-256 of the secret part: the secret itself is shown once and never stored. */
  secret_hash: string;
  /** JSON array of permission names. */
  scopes: unknown;
  created_by: string | null;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface ApiKeysTables {
  api_keys: ApiKeysTable;
}
