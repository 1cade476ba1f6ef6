// Platform administration composes the other modules' services; it owns no tables.

export { adminMetricsRoutes } from "./metrics-routes.ts";
export { adminRoutes } from "./routes.ts";
