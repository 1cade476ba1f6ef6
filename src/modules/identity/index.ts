// What other modules may use of identity: its service functions and public types, nothing else.

export { getMe } from "./account.ts";
export { lockLiveAccount } from "./account-lock.ts";
export {
  type AdminPromotion,
  type AdminUserView,
  countPlatformAdmins,
  createOrPromoteAdmin,
  listUsers,
  setUserSuspended,
} from "./admin.ts";
export { resetUserFactors } from "./admin-factors.ts";
export { unlockUser } from "./admin-unlock.ts";
export { REFRESH_COOKIE } from "./cookies.ts";
export { hasConfirmedFactor } from "./factors.ts";
export { buildActionUrl } from "./mail-templates.ts";
export { userHasPasskeys } from "./passkeys/management.ts";
/** A passkey as a second factor, for the MFA flow (docs/security.md "Passkeys"). */
export {
  type PasskeyAmr,
  type PasskeyFactorVerdict,
  passkeyAssertionOptionsForUser,
  verifyPasskeyAssertionForUser,
} from "./passkeys/sign-in.ts";
export { createPasswordHasher } from "./passwords.ts";
/** For the sso and social routes: a request's audit context, and how a federated sign-in answers. */
export { contextOf as requestContextOf, deliverFederatedTokens, prefersJson } from "./route-support.ts";
export { identityRoutes } from "./routes.ts";
/** Parts of identity's answers that the federated sign-ins' answers (sso, social) repeat. */
export { accessTokenProperties, InlineUser } from "./schemas.ts";
export { identitySealedColumns, TOTP_SECRETS_PURPOSE } from "./sealed-columns.ts";
/** Single-use mailed tokens and address normalisation, shared with invitations. */
export { hashToken, newOpaqueToken, normalizeEmail } from "./secrets.ts";
export type { TokenPair } from "./service.ts";
export {
  type AccountDeletionHook,
  emailOf,
  findUserIdByEmail,
  type IdentityDeps,
  isActiveAccount,
  type PublicUser,
  type RequestContext,
  type UserActor,
  userProfiles,
} from "./service.ts";
export { authenticateAccessToken } from "./sessions.ts";
/** Social sign-in (the social module): accounts it signs in or creates, and their sessions. */
export {
  accountSignInMethods,
  assertSocialSignUpAllowed,
  createSocialAccount,
  findAccountByEmail,
  findAccountById,
  startSocialSession,
} from "./social-sign-in.ts";
/** Single sign-on (the sso module): the account an IdP vouched for, and its session. */
export type { SsoSignInPolicy } from "./sso-policy.ts";
export {
  forgetSsoSessions,
  forgetSsoUsers,
  provisionSsoAccount,
  revokeSsoConnectionSessions,
  startSsoSession,
} from "./sso-sign-in.ts";
