// What other modules may use of identity: its service functions and public types, nothing else.

export { lockLiveAccount } from "./account-lock.ts";
export { buildActionUrl } from "./mail-templates.ts";
export { createPasswordHasher } from "./passwords.ts";
export { identityRoutes } from "./routes.ts";
/** Single-use mailed tokens and address normalisation, shared with invitations. */
export { hashToken, newOpaqueToken, normalizeEmail } from "./secrets.ts";
export {
  type AccountDeletionHook,
  type AdminPromotion,
  type AdminUserView,
  authenticateAccessToken,
  countPlatformAdmins,
  createOrPromoteAdmin,
  emailOf,
  findUserIdByEmail,
  getMe,
  type IdentityDeps,
  isActiveAccount,
  listUsers,
  type PublicUser,
  type RequestContext,
  setUserSuspended,
  type UserActor,
  userProfiles,
} from "./service.ts";
