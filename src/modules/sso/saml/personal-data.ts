import type { ColumnDecision } from "../../../platform/db/personal-data.ts";

/**
 * The SAML tables' personal-data decisions, for the SSO module's PersonalDataSource to list
 * with its own tables (test/modules/identity/personal-data-inventory.test.ts wants every
 * column decided). Nothing here is about a person: request ids are Rampart's random
 * values, assertion ids the IdP's, and the rows expire within minutes. No NameID, address
 * or attribute is ever stored.
 */
export const samlColumnDecisions: Readonly<Record<string, Readonly<Record<string, ColumnDecision>>>> = {
  saml_requests: {
    id: "none",
    connection_id: "none",
    purpose: "none",
    browser_hash: "none",
    created_at: "none",
    expires_at: "none",
  },
  saml_assertions: { connection_id: "none", assertion_id: "none", created_at: "none", expires_at: "none" },
};
