import { parseJson } from "../../platform/db/dialect.ts";
import type { SsoConnectionsTable, SsoDomainsTable } from "./tables.ts";

export const DEFAULT_SCOPES = ["openid", "email", "profile"];
export const VERIFY_LABEL = "_rampart-verify";

/** The last four characters of a long secret, never more; short secrets show nothing. */
export function secretHint(secret: string): string {
  return secret.length >= 16 ? `…${secret.slice(-4)}` : "…";
}

export function roleMapOf(row: Pick<SsoConnectionsTable, "role_mapping">): Record<string, string> {
  return parseJson<Record<string, string>>(row.role_mapping) ?? {};
}

/** Rampart's side of a SAML connection, for the owner to give the IdP. */
export interface SamlSpView {
  readonly entityId: string;
  readonly acsUrl: string;
  readonly metadataUrl: string;
}

export function toConnection(row: SsoConnectionsTable, hint: string, redirectUri: string, sp?: SamlSpView) {
  return {
    id: row.id,
    companyId: row.company_id,
    name: row.name,
    protocol: row.protocol,
    enabled: row.status === "enabled",
    oidc:
      row.protocol === "oidc"
        ? {
            issuer: row.oidc_issuer ?? "",
            clientId: row.oidc_client_id ?? "",
            clientSecretHint: hint,
            scopes: parseJson<string[]>(row.oidc_scopes) ?? DEFAULT_SCOPES,
            redirectUri,
          }
        : null,
    saml:
      row.protocol === "saml"
        ? {
            idpEntityId: row.saml_idp_entity_id,
            idpSsoUrl: row.saml_idp_sso_url,
            idpCertificates: parseJson<string[]>(row.saml_idp_certificates) ?? [],
            hasMetadataXml: row.saml_idp_metadata_xml !== null,
            spEntityId: row.saml_sp_entity_id,
            settings: parseJson<Record<string, unknown>>(row.saml_settings) ?? {},
            sp: sp ?? null,
          }
        : null,
    mapping: {
      emailClaim: row.email_claim,
      emailVerifiedClaim: row.email_verified_claim,
      nameClaim: row.name_claim,
      groupsClaim: row.groups_claim,
      roles: roleMapOf(row),
      defaultRole: row.default_role,
    },
    sessionMaxAgeS: row.session_max_age_s,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export type SsoConnectionView = ReturnType<typeof toConnection>;

export function toDomain(row: SsoDomainsTable) {
  return {
    id: row.id,
    domain: row.domain,
    status: row.status,
    txtRecord: { name: `${VERIFY_LABEL}.${row.domain}`, value: row.verification_token },
    ssoRequired: row.sso_required_at !== null,
    createdAt: row.created_at,
    verifiedAt: row.verified_at,
    lastCheckedAt: row.last_checked_at,
  };
}
