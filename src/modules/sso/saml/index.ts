// The SAML 2.0 service provider of SSO connections (issue #24): what the SSO module's
// routes use. Self-contained: it knows settings, the IdP and the shared replay state; the
// SSO core turns the identity into an account (completeSsoSignIn).

export type { SamlIdentity } from "./assertion.ts";
export { SamlRefusal, type SamlRefusalReason, samlErrors } from "./errors.ts";
export { fetchIdpMetadata, type IdpMetadata, parseIdpMetadata } from "./idp-metadata.ts";
export { samlColumnDecisions } from "./personal-data.ts";
export {
  DEFAULT_CLOCK_SKEW_MS,
  MAX_CLOCK_SKEW_MS,
  type SamlConnectionSettings,
  type SamlSettingsInput,
  samlSettings,
} from "./settings.ts";
export {
  consumeSamlResponse,
  SAML_REQUEST_TTL_MS,
  type SamlDeps,
  type SamlSignIn,
  type SamlStart,
  startSamlSignIn,
} from "./sign-in.ts";
export { samlSpMetadata } from "./sp-metadata.ts";
export { pruneSamlState } from "./store.ts";
export type { SamlPurpose, SamlTables } from "./tables.ts";
