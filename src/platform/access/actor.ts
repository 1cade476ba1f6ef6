import type { FastifyRequest } from "fastify";
import type { Permission, Role } from "./permissions.ts";

/** A signed-in person, re-resolved from their session on every request (never trusted from the token alone). */
export interface UserActor {
  readonly kind: "user";
  readonly userId: string;
  readonly sessionId: string;
  readonly platformRole: "user" | "admin";
  /** Whether the user confirmed their address: an unverified account cannot create companies or invite. */
  readonly emailVerified: boolean;
  /** How the session authenticated, from the access token (RFC 8176; empty for older tokens). */
  readonly amr?: readonly string[];
  /** When it last authenticated, seconds since the epoch, from the token (step-up compares it). */
  readonly authTime?: number;
}

/** An integration acting for exactly one company, within the scopes it was created with. */
export interface ApiKeyActor {
  readonly kind: "api_key";
  readonly keyId: string;
  readonly companyId: string;
  readonly scopes: readonly Permission[];
  /** The user who created the key: the key never acts with more than their current rights. */
  readonly createdBy: string | null;
}

export type Actor = UserActor | ApiKeyActor;

/** How the caller reaches the company a route names, and what that allows. */
export interface TenantAccess {
  readonly companyId: string;
  readonly via: "membership" | "partnership" | "api_key";
  /** The caller's role when `via` is membership. */
  readonly role?: Role;
  readonly permissions: ReadonlySet<Permission>;
}

/**
 * What the caller may do in a company: granted, or why not. `not_found` is also the answer
 * for a company the caller has no relation to, so its existence is not revealed.
 */
export type TenantLookup =
  | { readonly kind: "granted"; readonly access: TenantAccess }
  | { readonly kind: "not_found" }
  | { readonly kind: "suspended" }
  /** The company requires a second factor and the member has none (company policy, issue #23). */
  | { readonly kind: "mfa_enrollment_required" };

export interface AccessResolvers {
  /** A user's access token → the user, or undefined when invalid, expired, revoked or suspended. */
  authenticateAccessToken(token: string): Promise<UserActor | undefined>;
  /** An `rk_…` key → the key, or undefined when unknown, revoked or expired. */
  authenticateApiKey(key: string): Promise<ApiKeyActor | undefined>;
  tenantAccess(actor: Actor, companyId: string): Promise<TenantLookup>;
  /**
   * A caller who can see the company was refused (missing permission, suspended company):
   * a security event for the company's audit trail. Never throws; awaited so it is written
   * before the refusal is answered.
   */
  recordDenial?(request: FastifyRequest, denial: AccessDenial): Promise<void>;
  /** Whether the user has a confirmed second factor: step-up then requires one (access.ts). */
  hasSecondFactor?(userId: string): Promise<boolean>;
}

export interface AccessDenial {
  readonly companyId: string;
  readonly reason: "permission" | "company_suspended";
  readonly permission: Permission;
}
