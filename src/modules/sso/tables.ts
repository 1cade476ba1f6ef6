import type { Role } from "../../platform/access/permissions.ts";
import type { SamlAssertionsTable, SamlRequestsTable } from "./saml/tables.ts";

export type SsoProtocol = "oidc" | "saml";
export type SsoConnectionStatus = "enabled" | "disabled";
export type SsoDomainStatus = "pending" | "verified";

export interface SsoConnectionsTable {
  id: string;
  company_id: string;
  name: string;
  protocol: SsoProtocol;
  status: SsoConnectionStatus;
  /** OIDC: the issuer URL (its /.well-known/openid-configuration is discovered). */
  oidc_issuer: string | null;
  oidc_client_id: string | null;
  /** OIDC: the client secret sealed with ENCRYPTION_KEY (purpose "sso-client-secrets"); never returned. */
  oidc_client_secret_sealed: string | null;
  /** OIDC: JSON array of scopes requested (openid always among them). */
  oidc_scopes: unknown;
  /** SAML: the IdP's entity id (Issuer of its responses). */
  saml_idp_entity_id: string | null;
  /** SAML: the IdP's SingleSignOnService URL (HTTP-Redirect or HTTP-POST binding). */
  saml_idp_sso_url: string | null;
  /** SAML: JSON array of the IdP's signing certificates (PEM or bare base64). */
  saml_idp_certificates: unknown;
  /** SAML: the metadata XML the values above were imported from, if any. */
  saml_idp_metadata_xml: string | null;
  /** SAML: the entity id (audience) Rampart presents as service provider for this connection. */
  saml_sp_entity_id: string | null;
  /** SAML: JSON object of options: allowIdpInitiated, wantAuthnResponseSigned, clockSkewMs, nameIdFormat (saml-connection.ts). */
  saml_settings: unknown;
  /** Claim (OIDC) or attribute (SAML) names of the mapping. */
  email_claim: string;
  /** The boolean claim that says the address is verified (OIDC; `email_verified`, or Entra ID's `xms_edov`). */
  email_verified_claim: string;
  name_claim: string;
  groups_claim: string;
  /** JSON object: IdP group → company role. */
  role_mapping: unknown;
  /** Role of a signed-in person none of whose groups is mapped. */
  default_role: Role;
  /** Upper bound of an SSO session's life (refresh included); null: REFRESH_TOKEN_TTL_S. */
  session_max_age_s: number | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface SsoDomainsTable {
  id: string;
  company_id: string;
  /** Lower-case, no trailing dot. */
  domain: string;
  status: SsoDomainStatus;
  /** The value the TXT record at `_rampart-verify.<domain>` must hold. */
  verification_token: string;
  /** Since when password and other non-SSO sign-in are refused for addresses of this domain. */
  sso_required_at: string | null;
  created_at: string;
  verified_at: string | null;
  last_checked_at: string | null;
}

export interface SsoBreakGlassUsersTable {
  company_id: string;
  user_id: string;
  created_at: string;
}

export interface SsoLoginFlowsTable {
  id: string;
  /** SHA-256 of the `state` handed to the IdP: the callback finds the flow by it. */
  state_hash: string;
  connection_id: string;
  /** `sign_in`, or `test` for the owner's dry run (nothing is created). */
  purpose: "sign_in" | "test";
  nonce: string;
  code_verifier: string;
  /** SHA-256 of the browser-binding cookie set when the flow started (browser-binding.ts). */
  browser_hash: string;
  created_at: string;
  expires_at: string;
}

export interface SsoTables {
  sso_connections: SsoConnectionsTable;
  sso_domains: SsoDomainsTable;
  sso_break_glass_users: SsoBreakGlassUsersTable;
  sso_login_flows: SsoLoginFlowsTable;
  /** The SAML service provider's request ids and replay cache (saml/tables.ts). */
  saml_requests: SamlRequestsTable;
  saml_assertions: SamlAssertionsTable;
}
