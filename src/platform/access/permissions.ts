/**
 * The one place that says who may do what inside a company. Routes name a permission;
 * roles, API-key scopes and partnership scopes are sets of these names.
 */
export const PERMISSIONS = [
  "company:read",
  "company:update",
  "company:delete",
  "company:transfer",
  "company:security",
  "membership:leave",
  "members:read",
  "members:invite",
  "members:update",
  "members:remove",
  "partners:read",
  "partners:manage",
  "api_keys:read",
  "api_keys:manage",
  "audit:read",
  "webhooks:read",
  "webhooks:manage",
  "sso:read",
  "sso:manage",
] as const;

export type Permission = (typeof PERMISSIONS)[number];

/** Strongest first: a role may only grant or act on roles at or below its own rank. */
export const ROLES = ["owner", "admin", "manager", "member", "viewer"] as const;

export type Role = (typeof ROLES)[number];

const ALL: readonly Permission[] = PERMISSIONS;

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  owner: ALL,
  // Ownership, deletion and the company's security policy (second factors) stay with owners.
  admin: ALL.filter((p) => p !== "company:delete" && p !== "company:transfer" && p !== "company:security"),
  manager: [
    "company:read",
    "membership:leave",
    "members:read",
    "members:invite",
    "members:update",
    "partners:read",
    "api_keys:read",
  ],
  member: ["company:read", "membership:leave", "members:read", "partners:read"],
  viewer: ["company:read", "membership:leave", "members:read"],
};

/**
 * What an API key may be granted. Keys act for integrations: they never manage keys,
 * change who belongs to the company, delete or hand it over.
 */
export const API_KEY_SCOPES: readonly Permission[] = [
  "company:read",
  "company:update",
  "members:read",
  "members:invite",
  "partners:read",
  "partners:manage",
  "api_keys:read",
  "audit:read",
];

/** What a partnership may grant to the partner company's members: a read-only view. */
export const PARTNER_SCOPES: readonly Permission[] = ["company:read", "members:read"];

/** Whether a requested scope (request bodies carry plain strings) is one of `allowed`. */
export function isScopeIn(allowed: readonly Permission[], scope: string): scope is Permission {
  return (allowed as readonly string[]).includes(scope);
}

export function permissionsOf(role: Role): ReadonlySet<Permission> {
  return new Set(ROLE_PERMISSIONS[role]);
}

/** 0 is the strongest. */
export function roleRank(role: Role): number {
  return ROLES.indexOf(role);
}

/** True when `role` is stronger than `than`. */
export function isStronger(role: Role, than: Role): boolean {
  return roleRank(role) < roleRank(than);
}

/** Roles that spend the company-admin rate-limit budget. */
export function isCompanyAdminRole(role: Role): boolean {
  return role === "owner" || role === "admin";
}
