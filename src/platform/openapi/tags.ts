/**
 * Every tag an operation may use, with the description shown in the docs. One tag per
 * module; Redocly's `operation-tag-defined` rule fails the lint when a route uses a tag
 * that is not listed here.
 */
export const API_TAGS = [
  { name: "health", description: "Probes for load balancers and orchestrators: liveness, readiness, version." },
] as const;
