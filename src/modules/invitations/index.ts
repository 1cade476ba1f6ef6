// What other modules may use of invitations: its routes and public types, nothing else.

export { invitationsPersonalData } from "./personal-data.ts";
export { invitationRoutes } from "./routes.ts";
export type { GrantorRights, Invitation, InvitationGrantor, InvitationsDeps } from "./service.ts";
export type { InvitationsTables } from "./tables.ts";
