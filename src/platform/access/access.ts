import type { FastifyInstance, FastifyRequest, RouteOptions } from "fastify";
import { authenticate, type Caller } from "../auth/authenticate.ts";
import { authErrors } from "../auth/errors.ts";
import { isUuid } from "../db/ids.ts";
import { ForbiddenError, UnauthorizedError } from "../errors/app-error.ts";
import { requestSlot } from "../http/request-slot.ts";
import { addRouteHook } from "../http/route-hooks.ts";
import type { AccessDenial, AccessResolvers, Actor, TenantAccess } from "./actor.ts";
import { accessErrors } from "./errors.ts";
import type { Permission } from "./permissions.ts";
import {
  assertPlatformAdminFactor,
  assertRecentAuthentication,
  attachStepUpPolicy,
  type StepUp,
  type StepUpPolicy,
  stepUpOf,
} from "./step-up.ts";

/**
 * What a route requires, declared in its options (`config.access`) and enforced by one hook:
 * - "public": anyone;
 * - "user": a signed-in user (API keys are refused: they act only inside their company);
 * - "platform_admin": a user with the platform admin role;
 * - { permission }: a caller holding that permission in the company named by `:companyId`
 *   (a member by role, a partner by partnership scope, an API key by its scopes).
 */
export type Access = "public" | "user" | "platform_admin" | { readonly permission: Permission };

declare module "fastify" {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    actor?: Actor;
    tenant?: TenantAccess;
  }
}

/** The route's declaration, for the access matrix and the isolation test. */
export function accessOf(route: { config?: unknown }): Access | undefined {
  return (route.config as { access?: Access } | undefined)?.access;
}

export function isTenantAccess(access: Access | undefined): access is { readonly permission: Permission } {
  return typeof access === "object";
}

interface AccessState {
  caller?: Promise<Caller>;
  tenant?: Promise<TenantAccess>;
}

/**
 * Resolves callers (authentication: platform/auth/authenticate.ts) and tenants once per
 * request: the rate limiter (which runs first, so refused requests are counted too) and the
 * access hook share the same lookups.
 */
export class AccessControl {
  readonly #resolvers: AccessResolvers;
  /** One per instance, like its resolvers: two AccessControls never read each other's state. */
  readonly #state = requestSlot<FastifyRequest, AccessState>("rampart.accessState");
  /** Step-up (step-up.ts) and the platform-admin factor rule. */
  readonly stepUp: StepUpPolicy;

  constructor(resolvers: AccessResolvers, options: Omit<StepUpPolicy, "hasSecondFactor">) {
    this.#resolvers = resolvers;
    this.stepUp = {
      ...options,
      hasSecondFactor: (userId) => resolvers.hasSecondFactor?.(userId) ?? Promise.resolve(false),
    };
  }

  #stateOf(request: FastifyRequest): AccessState {
    let state = this.#state.get(request);
    if (!state) {
      state = {};
      this.#state.set(request, state);
    }
    return state;
  }

  /** Who is calling; never throws for bad credentials (the failure is returned). */
  caller(request: FastifyRequest): Promise<Caller> {
    const state = this.#stateOf(request);
    // A resolver may refuse a token with its own, more precise 401 (e.g. "expired").
    state.caller ??= authenticate(request, this.#resolvers).catch((error: unknown) => {
      if (error instanceof UnauthorizedError) return { failure: error };
      throw error;
    });
    return state.caller;
  }

  /** The caller's access to the route's company; throws the problem the caller should see. */
  tenant(request: FastifyRequest, actor: Actor): Promise<TenantAccess> {
    const state = this.#stateOf(request);
    state.tenant ??= this.#resolveTenant(request, actor);
    return state.tenant;
  }

  async #resolveTenant(request: FastifyRequest, actor: Actor): Promise<TenantAccess> {
    const companyId = (request.params as Record<string, string | undefined>).companyId;
    // An id in upper case is refused like every other UUID field (422), not "not found".
    if (companyId !== undefined && isUuid(companyId.toLowerCase()) && !isUuid(companyId)) {
      throw accessErrors.companyIdNotLowerCase();
    }
    // A malformed id can name no company: the same 404 as a missing one, without a query.
    if (companyId === undefined || !isUuid(companyId)) throw accessErrors.companyNotFound();
    const lookup = await this.#resolvers.tenantAccess(actor, companyId);
    if (lookup.kind === "not_found") throw accessErrors.companyNotFound();
    if (lookup.kind === "suspended") {
      throw accessErrors.companySuspended();
    }
    if (lookup.kind === "mfa_enrollment_required") throw accessErrors.mfaEnrollmentRequired();
    return lookup.access;
  }

  async #recordDenial(request: FastifyRequest, reason: AccessDenial["reason"], permission: Permission) {
    const companyId = (request.params as Record<string, string>).companyId as string;
    await this.#resolvers.recordDenial?.(request, { companyId, reason, permission });
  }

  /** Enforces a non-public declaration; sets `request.actor` and, for company routes, `request.tenant`. */
  async enforce(request: FastifyRequest, access: Exclude<Access, "public">, stepUp?: StepUp): Promise<void> {
    const caller = await this.caller(request);
    if (!caller.actor) throw caller.failure ?? authErrors.missingToken();
    const actor = caller.actor;
    request.actor = actor;
    if (stepUp !== undefined) attachStepUpPolicy(request, this.stepUp);
    if (access === "user" || access === "platform_admin") {
      if (actor.kind !== "user") {
        throw accessErrors.userRequired();
      }
      if (access === "platform_admin" && actor.platformRole !== "admin") {
        throw accessErrors.platformAdminRequired();
      }
      if (access === "platform_admin") assertPlatformAdminFactor(this.stepUp, actor);
      // A declared (unconditional) step-up is checked once the caller may call the route at all.
      if (stepUp === true) await assertRecentAuthentication(this.stepUp, actor);
      return;
    }
    let tenant: TenantAccess;
    try {
      tenant = await this.tenant(request, actor);
    } catch (error) {
      if (error instanceof ForbiddenError) {
        await this.#recordDenial(request, "company_suspended", access.permission);
      }
      throw error;
    }
    if (!tenant.permissions.has(access.permission)) {
      await this.#recordDenial(request, "permission", access.permission);
      throw accessErrors.denied(access.permission);
    }
    request.tenant = tenant;
    if (stepUp === true && actor.kind === "user") await assertRecentAuthentication(this.stepUp, actor);
  }
}

/**
 * Every route must say who may call it: adding one without a declaration fails at startup,
 * and a company-scoped permission needs a `:companyId` in the path to be checked against.
 * Hidden routes (outside the public contract, e.g. legacy redirects) are exempt.
 */
export function requireAccessDeclarations(app: FastifyInstance): void {
  app.addHook("onRoute", (route: RouteOptions) => {
    if ((route.schema as { hide?: boolean } | undefined)?.hide === true || route.method === "HEAD") return;
    const where = `${String(route.method)} ${route.url}`;
    const access = accessOf(route);
    if (access === undefined) throw new Error(`route ${where} must declare config.access`);
    // Every platform-admin write needs step-up, declared or not: a new admin action cannot forget it.
    if (access === "platform_admin" && route.method !== "GET" && stepUpOf(route) === undefined) {
      route.config = { ...route.config, stepUp: true };
    }
    if (stepUpOf(route) !== undefined && access === "public") {
      throw new Error(`route ${where} declares stepUp but is public: step-up needs a signed-in caller`);
    }
    if (isTenantAccess(access) && !route.url.includes(":companyId")) {
      throw new Error(`route ${where} declares a company permission but has no :companyId parameter`);
    }
  });
}

export function installAccessControl(app: FastifyInstance, control: AccessControl): void {
  app.decorateRequest("actor", undefined);
  app.decorateRequest("tenant", undefined);
  // onRequest: before the body is read, so an unauthorised caller learns nothing about input rules.
  // Public routes (probes, sign-in) get no hook at all.
  addRouteHook(app, "onRequest", "access", (route) => {
    const access = accessOf(route);
    if (access === undefined || access === "public") return undefined;
    const stepUp = stepUpOf(route);
    return (request, _reply, done) => {
      control.enforce(request, access, stepUp).then(() => done(), done);
    };
  });
}

export function requireUser(request: FastifyRequest) {
  const actor = request.actor;
  if (actor?.kind !== "user") throw authErrors.missingToken();
  return actor;
}

/**
 * The signed-in user, who must have confirmed their address: creating a company and
 * inviting people are refused until then (the verification mail says so).
 */
export function requireVerifiedUser(request: FastifyRequest) {
  const actor = requireUser(request);
  if (!actor.emailVerified) throw emailUnverified();
  return actor;
}

export const emailUnverified = accessErrors.emailUnverified;

/** The signed-in user acting, or null when an API key acts (changes it makes are the key's, with no user). */
export function actingUserId(request: FastifyRequest): string | null {
  return request.actor?.kind === "user" ? request.actor.userId : null;
}

export function requireTenant(request: FastifyRequest): TenantAccess {
  if (!request.tenant) throw new Error("route declared no company permission but asked for the tenant");
  return request.tenant;
}
