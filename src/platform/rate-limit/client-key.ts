import type { FastifyRequest, RouteOptions } from "fastify";
import type { TierName } from "../../config/values/tiers.ts";

/** Whose budget a request spends, and which tier's limits apply. */
export interface RateLimitTarget {
  readonly key: string;
  readonly tier: TierName;
}

/** Chooses the budget of one request to a limited route; keying by caller may need a lookup, hence the promise. */
export type RequestBudget = (request: FastifyRequest) => RateLimitTarget | Promise<RateLimitTarget>;

/**
 * Decides, once per route when it is registered, how its requests choose their budget, or
 * undefined for an unlimited route (which then costs its requests nothing). Pluggable: the
 * access layer keys by user, API key or role (caller-key.ts).
 */
export type RateLimitResolver = (route: RouteOptions) => RequestBudget | undefined;

/**
 * The client's network, as a key. An IPv6 client usually holds a whole /64 and can
 * rotate addresses within it at will, so IPv6 is keyed by its /64 prefix.
 */
export function clientNetworkKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return `ip:${mapped[1]}`;
  if (!ip.includes(":")) return `ip:${ip}`;
  const [head = "", tail = ""] = ip.toLowerCase().split("::");
  const headGroups = head ? head.split(":") : [];
  const tailGroups = ip.includes("::") && tail ? tail.split(":") : [];
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(Math.max(0, missing)).fill("0"), ...tailGroups];
  return `ip6:${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}

/** The route's declared tier, keyed by client network (for apps without the access layer). */
export const byClientIp: RateLimitResolver = (route) => {
  const tier = route.config?.rateLimit?.tier;
  return tier === undefined ? undefined : (request) => ({ tier, key: clientNetworkKey(request.ip) });
};
