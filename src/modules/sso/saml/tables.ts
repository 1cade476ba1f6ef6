/** An AuthnRequest waiting for its response (migrations/0015_saml_replay.ts). */
export interface SamlRequestsTable {
  /** The AuthnRequest's ID, echoed as InResponseTo. */
  id: string;
  connection_id: string;
  /** What the start was for: a real sign-in, or an owner's test-connection dry run (creates nothing). */
  purpose: SamlPurpose;
  /** Hash of the browser-binding cookie of the browser that started it; null when the caller binds none. */
  browser_hash: string | null;
  created_at: string;
  expires_at: string;
}

export type SamlPurpose = "sign_in" | "test";

/** An assertion already accepted: the replay cache. */
export interface SamlAssertionsTable {
  connection_id: string;
  assertion_id: string;
  created_at: string;
  expires_at: string;
}

/** The SAML SP's tables (listed in src/platform/db/schema.ts's Database). */
export interface SamlTables {
  saml_requests: SamlRequestsTable;
  saml_assertions: SamlAssertionsTable;
}
