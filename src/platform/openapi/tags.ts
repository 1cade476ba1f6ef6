/**
 * Every tag an operation may use, with the description shown in the docs. One tag per
 * module; Redocly's `operation-tag-defined` rule fails the lint when a route uses a tag
 * that is not listed here.
 */
export const API_TAGS = [
  { name: "health", description: "Probes for load balancers and orchestrators: liveness, readiness, version." },
  { name: "auth", description: "Accounts, sign-in, sessions, refresh tokens, passwords and the public signing keys." },
  { name: "users", description: "The signed-in user's own profile, data export and account deletion." },
] as const;
