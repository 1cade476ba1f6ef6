/** An AuthnRequest waiting for its response (migrations/0015_saml_replay.ts). */
export interface SamlRequestsTable {
  /** The AuthnRequest's ID, echoed as InResponseTo. */
  id: string;
  connection_id: string;
  created_at: string;
  expires_at: string;
}

/** An assertion already accepted: the replay cache. */
export interface SamlAssertionsTable {
  connection_id: string;
  assertion_id: string;
  created_at: string;
  expires_at: string;
}

/** The SAML SP's tables, to be listed in src/platform/db/schema.ts's Database. */
export interface SamlTables {
  saml_requests: SamlRequestsTable;
  saml_assertions: SamlAssertionsTable;
}
