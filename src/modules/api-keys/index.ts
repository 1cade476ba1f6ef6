// What other modules may use of api-keys: its service functions and public types, nothing else.

export { apiKeysPersonalData } from "./personal-data.ts";
export { apiKeyRoutes } from "./routes.ts";
export { type ApiKeysDeps, authenticateApiKey, keyIsLive, liveApiKey } from "./service.ts";
export type { ApiKeysTables } from "./tables.ts";
