// What other modules (and app.ts) may use of sso: its routes, the sign-in policy identity
// asks, the shared end of every SSO sign-in (OIDC callback and SAML ACS), and its declarations.

export { deliverSsoTokens } from "./auth-routes.ts";
export {
  completeSsoSignIn,
  mappedRole,
  previewSsoSignIn,
  type SsoIdentity,
  type SsoSignInResult,
} from "./complete-sign-in.ts";
export { recheckVerifiedDomains } from "./domains.ts";
export { ssoErrors } from "./errors.ts";
export { ssoPersonalData } from "./personal-data.ts";
export { ssoSignInPolicy } from "./policy.ts";
export { findConnectionById } from "./repository.ts";
export { type SsoRouteOptions, ssoRoutes } from "./routes.ts";
export { SSO_SECRETS_PURPOSE, ssoSealedColumns } from "./sealed-columns.ts";
export type { SsoDeps, SsoSettings } from "./service.ts";
export type { SamlStarter, SignInPurpose } from "./sign-in-start.ts";
export type { SsoConnectionsTable, SsoTables } from "./tables.ts";
export { createDomainRecheckWorker, type DomainRecheckWorker } from "./worker.ts";
