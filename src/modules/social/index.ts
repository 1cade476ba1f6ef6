// What other modules (and app.ts) may use of social: its routes, its settings' reading, its
// personal-data declarations and its errors (docs/errors.md).

export { socialErrors } from "./errors.ts";
export { socialPersonalData } from "./personal-data.ts";
export { providersFrom, type SocialProvider } from "./providers.ts";
export { type SocialRouteOptions, socialRoutes } from "./routes.ts";
export type { SocialDeps, SocialSettings } from "./service.ts";
export type { SocialTables } from "./tables.ts";
