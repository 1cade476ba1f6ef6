// What other modules may use of partners: its service functions and public types, nothing else.

export { partnershipsPersonalData } from "./personal-data.ts";
export { partnerRoutes } from "./routes.ts";
export { type PartnersDeps, type Partnership, partnerPermissions } from "./service.ts";
export type { PartnersTables } from "./tables.ts";
