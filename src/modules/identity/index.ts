// What other modules may use of identity: its service functions and public types, nothing else.

export { createPasswordHasher } from "./passwords.ts";
export { identityRoutes } from "./routes.ts";
export {
  authenticateAccessToken,
  getMe,
  type IdentityDeps,
  type PublicUser,
  type RequestContext,
  type UserActor,
} from "./service.ts";
