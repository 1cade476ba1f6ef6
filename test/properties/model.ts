import {
  API_KEY_SCOPES,
  isStronger,
  PARTNER_SCOPES,
  type Permission,
  ROLE_PERMISSIONS,
  type Role,
} from "../../src/platform/access/permissions.ts";

/*
 * The model of issue #20's property tests: what the business rules say each actor may do,
 * kept apart from the app. Commands update it only from what the real app accepted; after
 * every command each actor's probes must match what this model predicts.
 */

export type AccountStatus = "active" | "suspended" | "deleted";
export type CompanyStatus = "active" | "suspended" | "deleted";

export interface ModelUser {
  readonly id: string;
  readonly email: string;
  status: AccountStatus;
  verified: boolean;
  /** The signed-in session, if any. */
  session: {
    accessToken: string;
    refreshToken: string /** The SSO connection that started it. */;
    sso?: string;
  } | null;
  /** A confirmed authenticator app (its seed) and the recovery codes not yet used (issue #23). */
  factor?: { readonly secret: string; readonly recoveryCodes: string[] } | null;
  /** Created just in time by an SSO sign-in: no password (issue #24). */
  passwordless?: boolean;
}

/** A role an SSO mapping may give: never owner (owners are named in Rampart only). */
export type MappedRole = Exclude<Role, "owner">;

/** A company's single sign-on (issue #24): its verified domain and its OIDC connection's role mapping. */
export interface ModelSso {
  readonly domain: string;
  readonly connectionId: string;
  /** IdP group → role. */
  readonly roles: Readonly<Record<string, MappedRole>>;
  readonly defaultRole: MappedRole;
  /** A disabled connection signs nobody in, and its sessions ended when it was disabled. */
  enabled: boolean;
}

export interface ModelCompany {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
  status: CompanyStatus;
  /** user index → role */
  readonly members: Map<number, Role>;
  /** Whether members must have a second factor (issue #23). */
  requireMfa?: boolean;
  /** A verified domain and an enabled OIDC connection (issue #24). */
  sso?: ModelSso;
}

export interface ModelKey {
  readonly id: string;
  readonly secret: string;
  readonly company: number;
  readonly creator: number;
  readonly scopes: readonly Permission[];
  revoked: boolean;
}

export interface ModelInvitation {
  readonly id: string;
  readonly company: number;
  readonly invitee: number;
  readonly role: Role;
  readonly token: string;
  readonly by: { readonly user: number } | { readonly key: number };
  status: "pending" | "accepted" | "revoked";
}

export interface ModelPartnership {
  readonly id: string;
  readonly requester: number;
  readonly partner: number;
  readonly scopes: readonly Permission[];
  status: "pending" | "active" | "rejected" | "revoked";
}

export interface Model {
  readonly users: ModelUser[];
  readonly companies: ModelCompany[];
  readonly keys: ModelKey[];
  readonly invitations: ModelInvitation[];
  readonly partnerships: ModelPartnership[];
}

export const NONE: ReadonlySet<Permission> = new Set();

export function permissionsOfRole(role: Role | undefined): ReadonlySet<Permission> {
  return role === undefined ? NONE : new Set(ROLE_PERMISSIONS[role]);
}

/** A user's role in a company, counting only accounts that can act (the creator-rights rule). */
export function actingRole(model: Model, company: number, user: number): Role | undefined {
  const u = model.users[user];
  if (!u || u.status !== "active") return undefined;
  return model.companies[company]?.members.get(user);
}

/** A key's permissions in its company: its scopes within its creator's current rights. */
export function keyPermissions(model: Model, key: ModelKey): ReadonlySet<Permission> {
  if (key.revoked) return NONE;
  const creator = permissionsOfRole(actingRole(model, key.company, key.creator));
  return new Set(key.scopes.filter((scope) => creator.has(scope)));
}

/** What a non-member gets in a company through its active partnerships (both directions). */
export function partnerPermissions(model: Model, company: number, user: number): ReadonlySet<Permission> {
  const granted = new Set<Permission>();
  for (const p of model.partnerships) {
    if (p.status !== "active") continue;
    const other = p.requester === company ? p.partner : p.partner === company ? p.requester : undefined;
    if (other === undefined || model.companies[other]?.status !== "active") continue;
    const role = model.companies[other]?.members.get(user);
    const allowed = permissionsOfRole(role);
    for (const scope of p.scopes) if (allowed.has(scope) && PARTNER_SCOPES.includes(scope)) granted.add(scope);
  }
  return granted;
}

/** An actor: a signed-in user, or an API key. */
export type Actor = { readonly user: number } | { readonly key: number };

/** What the actor's request for `permission` in `company` must get: allowed, or refused. */
export function expected(model: Model, actor: Actor, company: number, permission: Permission): "allowed" | "refused" {
  const c = model.companies[company];
  if (!c || c.status === "deleted") return "refused";
  let permissions: ReadonlySet<Permission>;
  if ("key" in actor) {
    const key = model.keys[actor.key];
    if (!key || key.company !== company) return "refused";
    permissions = keyPermissions(model, key);
  } else {
    const role = actingRole(model, company, actor.user);
    // Company policy: a member without a second factor reaches nothing of the company.
    if (role !== undefined && c.requireMfa && !model.users[actor.user]?.factor) return "refused";
    permissions = role !== undefined ? permissionsOfRole(role) : partnerPermissions(model, company, actor.user);
  }
  if (c.status === "suspended") return "refused";
  return permissions.has(permission) ? "allowed" : "refused";
}

/** The owners whose accounts are not deleted: the invariant wants at least one per live company. */
export function liveOwners(model: Model, company: number): number[] {
  const c = model.companies[company];
  if (!c) return [];
  return [...c.members].filter(([u, role]) => role === "owner" && model.users[u]?.status !== "deleted").map(([u]) => u);
}

/** Whether `actor` (a user's role, or a key) could send this invitation now. */
export function grantorMay(model: Model, invitation: ModelInvitation): boolean {
  if ("key" in invitation.by) {
    const key = model.keys[invitation.by.key];
    return (
      key !== undefined &&
      keyPermissions(model, key).has("members:invite") &&
      (invitation.role === "member" || invitation.role === "viewer")
    );
  }
  const role = actingRole(model, invitation.company, invitation.by.user);
  return permissionsOfRole(role).has("members:invite") && role !== undefined && !isStronger(invitation.role, role);
}

export const KEY_SCOPES = API_KEY_SCOPES;

export function describeActor(actor: Actor): string {
  return "key" in actor ? `key#${actor.key}` : `user#${actor.user}`;
}

/** The strongest role the person's groups map to; the connection's default when none does. */
export function mappedSsoRole(sso: ModelSso, groups: readonly string[]): MappedRole {
  let best: MappedRole | undefined;
  for (const group of groups) {
    const role = sso.roles[group];
    if (role !== undefined && (best === undefined || isStronger(role, best))) best = role;
  }
  return best ?? sso.defaultRole;
}

/** What an SSO sign-in into company c must do (issue #24). */
export type JitOutcome =
  | { readonly kind: "refused"; readonly why: string }
  | { readonly kind: "created"; readonly role: MappedRole }
  | { readonly kind: "updated"; readonly user: number; readonly role: Role };

/**
 * The just-in-time rules: company c's IdP is trusted only for addresses of the domain c
 * verified, and only while c is active; the live account of the address (a deleted one's
 * address is free again) is created, or used unless suspended; its membership gets the
 * mapped role, created or updated to follow the IdP's groups — except an owner stays owner.
 */
export function predictJit(model: Model, c: number, email: string, groups: readonly string[]): JitOutcome {
  const company = model.companies[c];
  if (!company?.sso) return { kind: "refused", why: "the company has no SSO" };
  if (company.status !== "active") return { kind: "refused", why: `the company is ${company.status}` };
  if (!company.sso.enabled) return { kind: "refused", why: "the connection is disabled" };
  if (email.slice(email.lastIndexOf("@") + 1) !== company.sso.domain)
    return { kind: "refused", why: "the address is not of the company's verified domain" };
  const role = mappedSsoRole(company.sso, groups);
  const user = model.users.findIndex((u) => u.email === email && u.status !== "deleted");
  if (user === -1) return { kind: "created", role };
  if (model.users[user]?.status !== "active") return { kind: "refused", why: "the account is suspended" };
  return { kind: "updated", user, role: company.members.get(user) === "owner" ? "owner" : role };
}
