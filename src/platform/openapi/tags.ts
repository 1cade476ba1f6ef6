/**
 * Every tag an operation may use, with the description shown in the docs. One tag per
 * module; Redocly's `operation-tag-defined` rule fails the lint when a route uses a tag
 * that is not listed here.
 */
export const API_TAGS = [
  { name: "health", description: "Probes for load balancers and orchestrators: liveness, readiness, version." },
  { name: "auth", description: "Accounts, sign-in, sessions, refresh tokens, passwords and the public signing keys." },
  { name: "users", description: "The signed-in user's own profile, data export and account deletion." },
  { name: "companies", description: "Companies (tenants), their members and roles, ownership." },
  { name: "invitations", description: "Mailed, single-use invitations to join a company, and accepting them." },
  {
    name: "partners",
    description: "Company-to-company partnerships: requests, decisions, and the scoped access they grant.",
  },
  { name: "admin", description: "Platform administration: users, companies, kill switch and feature flags." },
  { name: "api-keys", description: "Company API keys for machine-to-machine calls, limited to their scopes." },
  { name: "audit", description: "The tamper-evident audit trail: listing and streaming export of audit events." },
  {
    name: "webhooks",
    description:
      "Webhook endpoints that receive the company's events, signed per Standard Webhooks, and their deliveries.",
  },
  {
    name: "sso",
    description:
      "Single sign-on per company: OIDC and SAML connections, DNS-verified domains, the SSO-required policy, home-realm discovery and the identity providers' callbacks.",
  },
  {
    name: "social",
    description:
      "Sign-in with Google, Microsoft, GitHub or an OpenID Connect provider, and an account's linked providers.",
  },
] as const;
