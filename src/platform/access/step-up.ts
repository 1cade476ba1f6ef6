import type { FastifyRequest } from "fastify";
import type { Clock } from "../clock.ts";
import { requestSlot } from "../http/request-slot.ts";
import type { UserActor } from "./actor.ts";
import { accessErrors } from "./errors.ts";

/**
 * Step-up (RFC 9470): a route declares `config.stepUp` when it needs a *recent* strong
 * authentication, not just a valid session. `true`: always; `{ when }`: the handler decides
 * from the request (e.g. only when a member is made admin or owner) by calling
 * `requireStepUp(request)`, and `when` says so in the access matrix.
 *
 * Recent means the access token's `auth_time` is at most STEP_UP_MAX_AGE_S old; strong means
 * its `amr` includes `mfa` when the account has a confirmed second factor. API keys pass:
 * they cannot reauthenticate interactively, their scopes are fixed at creation (which itself
 * required step-up), and they never hold identity-level rights (docs/security.md).
 */
export type StepUp = true | { readonly when: string };

declare module "fastify" {
  interface FastifyContextConfig {
    stepUp?: StepUp;
  }
}

/** The route's step-up declaration, for the access matrix and the OpenAPI document. */
export function stepUpOf(route: { config?: unknown }): StepUp | undefined {
  return (route.config as { stepUp?: StepUp } | undefined)?.stepUp;
}

export interface StepUpPolicy {
  readonly clock: Clock;
  readonly maxAgeS: number;
  /** Platform-admin routes refuse a session not signed in with a second factor. */
  readonly platformAdminRequiresMfa: boolean;
  readonly hasSecondFactor: (userId: string) => Promise<boolean>;
}

/** The second-factor method references of RFC 8176 this server issues. */
const SECOND_FACTOR = "mfa";

/** Throws the RFC 9470 challenge unless the user's authentication is recent (and strong when it can be). */
export async function assertRecentAuthentication(policy: StepUpPolicy, actor: UserActor): Promise<void> {
  const now = Math.floor(policy.clock.now().getTime() / 1000);
  const needsFactor = await policy.hasSecondFactor(actor.userId);
  const recent = actor.authTime !== undefined && now - actor.authTime <= policy.maxAgeS;
  const strong = !needsFactor || (actor.amr ?? []).includes(SECOND_FACTOR);
  if (!recent || !strong) throw accessErrors.insufficientAuthentication(policy.maxAgeS, needsFactor);
}

/** A platform admin's session must have used a second factor (PLATFORM_ADMIN_REQUIRE_MFA). */
export function assertPlatformAdminFactor(policy: StepUpPolicy, actor: UserActor): void {
  if (policy.platformAdminRequiresMfa && !(actor.amr ?? []).includes(SECOND_FACTOR))
    throw accessErrors.platformAdminMfaRequired();
}

const policies = requestSlot<FastifyRequest, StepUpPolicy>("rampart.stepUpPolicy");

/**
 * For handlers whose step-up depends on the request (`stepUp: { when }`): throws the
 * challenge when a signed-in user's authentication is not recent enough. API keys pass.
 */
export async function requireStepUp(request: FastifyRequest): Promise<void> {
  const policy = policies.get(request);
  if (!policy) throw new Error("requireStepUp on a route that declares no stepUp");
  const actor = request.actor;
  if (actor?.kind === "user") await assertRecentAuthentication(policy, actor);
}

/** Set by the access hook on routes that declare step-up (access.ts). */
export function attachStepUpPolicy(request: FastifyRequest, policy: StepUpPolicy): void {
  policies.set(request, policy);
}
