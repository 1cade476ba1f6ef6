// Platform administration composes the other modules' services; it owns no tables.

export { adminRoutes } from "./routes.ts";
export { adminMetricsRoutes } from "./metrics-routes.ts";
