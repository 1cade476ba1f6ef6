import type { FastifyRequest } from "fastify";
import type { TierName } from "../../config/values/tiers.ts";
import { type Access, type AccessControl, accessOf, isTenantAccess } from "../access/access.ts";
import { isCompanyAdminRole } from "../access/permissions.ts";
import { clientNetworkKey, type RateLimitResolver, type RateLimitTarget } from "./client-key.ts";

/** Tiers that describe the route's cost rather than the caller: kept whoever calls. */
const ROUTE_TIERS: ReadonlySet<TierName> = new Set(["auth", "ai", "webhook"]);

/**
 * Whose budget a request spends. Anonymous callers (and callers whose credentials fail)
 * share their network's public budget; users spend their own — the admin budget for
 * platform admins and for owners and admins of the company the route names; API keys
 * spend their own key's. Every authenticated route is limited, declared tier or not.
 */
export function byCaller(control: AccessControl): RateLimitResolver {
  return (route) => {
    const access = accessOf(route);
    const declared = route.config?.rateLimit?.tier;
    const tier = declared ?? (access !== undefined && access !== "public" ? "user" : undefined);
    if (tier === undefined) return undefined;
    if (access === undefined || access === "public") return (request) => ({ tier, key: clientNetworkKey(request.ip) });
    return (request) => targetFor(control, request, tier, access);
  };
}

async function targetFor(
  control: AccessControl,
  request: FastifyRequest,
  tier: TierName,
  access: Access,
): Promise<RateLimitTarget> {
  const network = clientNetworkKey(request.ip);
  const { actor } = await control.caller(request);
  if (ROUTE_TIERS.has(tier)) return { tier, key: actor ? actorKey(actor) : network };
  if (!actor) return { tier: "public", key: network };
  if (actor.kind === "api_key") return { tier: "user", key: actorKey(actor) };
  if (actor.platformRole === "admin") return { tier: "admin", key: actorKey(actor) };
  if (isTenantAccess(access)) {
    // The tenant lookup is shared with the access hook; a refusal there is its business.
    const role = await control.tenant(request, actor).then(
      (tenant) => tenant.role,
      () => undefined,
    );
    if (role !== undefined && isCompanyAdminRole(role)) return { tier: "admin", key: actorKey(actor) };
  }
  return { tier: "user", key: actorKey(actor) };
}

function actorKey(actor: { kind: "user"; userId: string } | { kind: "api_key"; keyId: string }): string {
  return actor.kind === "user" ? `user:${actor.userId}` : `key:${actor.keyId}`;
}
