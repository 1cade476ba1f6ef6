import type { SealedColumn } from "../../platform/crypto/sealed-columns.ts";

/** OIDC client secrets are sealed under keys derived for this purpose only. */
export const SSO_SECRETS_PURPOSE = "sso-client-secrets";

export const ssoSealedColumns: readonly SealedColumn[] = [
  { table: "sso_connections", idColumn: "id", column: "oidc_client_secret_sealed", purpose: SSO_SECRETS_PURPOSE },
];
