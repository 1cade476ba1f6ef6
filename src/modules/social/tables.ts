export type SocialFlowPurpose = "sign_in" | "link";

export interface SocialIdentitiesTable {
  id: string;
  user_id: string;
  /** A provider key: google, microsoft, github, oidc. */
  provider: string;
  /** The provider's stable id of the person (OIDC `sub`, GitHub's numeric user id). */
  subject: string;
  /** The address the provider gave at linking, for the person's list of links. */
  email: string | null;
  created_at: string;
  last_used_at: string | null;
}

export interface SocialLoginFlowsTable {
  id: string;
  /** SHA-256 of the `state` handed to the provider: the callback finds the flow by it. */
  state_hash: string;
  provider: string;
  purpose: SocialFlowPurpose;
  /** The account a `link` flow links to; null for `sign_in`. */
  user_id: string | null;
  /** SHA-256 of the browser-binding cookie set when the flow started. */
  browser_hash: string;
  nonce: string;
  code_verifier: string;
  created_at: string;
  expires_at: string;
}

export interface SocialTables {
  social_identities: SocialIdentitiesTable;
  social_login_flows: SocialLoginFlowsTable;
}
