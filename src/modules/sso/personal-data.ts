import { Type } from "@sinclair/typebox";
import type { PersonalDataSource } from "../../platform/db/personal-data.ts";
import { samlColumnDecisions } from "./saml/index.ts";

/**
 * SSO stores nothing about a person but their place on a company's break-glass list (erased
 * with the account: the row cascades) and the creator of a connection (kept as an opaque id,
 * the company's record of who connected its IdP). Connections, domains and login flows are
 * the company's settings; a flow holds no personal data (state, nonce, PKCE verifier), nor
 * do the SAML request ids and replay entries.
 */
export const ssoPersonalData: PersonalDataSource = {
  category: "ssoBreakGlass",
  description: "Companies that named the person a break-glass member (may sign in without SSO)",
  item: Type.Object(
    { companyId: Type.String({ format: "uuid" }), since: Type.String({ format: "date-time" }) },
    { additionalProperties: false },
  ),
  columns: {
    sso_connections: {
      id: "none",
      company_id: "none",
      name: "none",
      protocol: "none",
      status: "none",
      oidc_issuer: "none",
      oidc_client_id: "none",
      oidc_client_secret_sealed: "none",
      oidc_scopes: "none",
      saml_idp_entity_id: "none",
      saml_idp_sso_url: "none",
      saml_idp_certificates: "none",
      saml_idp_metadata_xml: "none",
      saml_sp_entity_id: "none",
      saml_settings: "none",
      email_claim: "none",
      email_verified_claim: "none",
      name_claim: "none",
      groups_claim: "none",
      role_mapping: "none",
      default_role: "none",
      session_max_age_s: "none",
      created_by: { kept: "the creator's opaque id: the company's record of who connected its identity provider" },
      created_at: "none",
      updated_at: "none",
    },
    sso_domains: {
      id: "none",
      company_id: "none",
      domain: "none",
      status: "none",
      verification_token: "none",
      sso_required_at: "none",
      created_at: "none",
      verified_at: "none",
      last_checked_at: "none",
    },
    sso_break_glass_users: {
      company_id: "erased",
      user_id: "erased",
      created_at: "erased",
    },
    sso_login_flows: {
      id: "none",
      state_hash: "none",
      connection_id: "none",
      purpose: "none",
      nonce: "none",
      code_verifier: "none",
      browser_hash: "none",
      created_at: "none",
      expires_at: "none",
    },
    // The SAML service provider's request ids and replay cache: nothing about a person.
    ...samlColumnDecisions,
  },
  async export(db, person) {
    const rows = await db
      .selectFrom("sso_break_glass_users")
      .select(["company_id", "created_at"])
      .where("user_id", "=", person.userId)
      .orderBy("company_id")
      .execute();
    return rows.map((r) => ({ companyId: r.company_id, since: r.created_at }));
  },
  async erase(db, person) {
    await db.deleteFrom("sso_break_glass_users").where("user_id", "=", person.userId).execute();
    return undefined;
  },
};
