import type { FastifyInstance, FastifyRequest } from "fastify";
import { commaList } from "../../config/values/list.ts";
import { addRouteHook } from "../http/route-hooks.ts";
import { switchErrors } from "./errors.ts";
import type { FlagName } from "./feature-flags.ts";
import type { Switchboard } from "./switchboard.ts";

declare module "fastify" {
  interface FastifyContextConfig {
    /** The feature flag this route belongs to: while it is off the route answers 403 feature.disabled. */
    feature?: FlagName;
  }
}

/**
 * What stays served while the kill switch is on: probes (so the orchestrator does not
 * restart healthy instances), metrics (so the incident stays observable), and the
 * kill-switch admin endpoints (so it can be lifted over the API), at their v1 and legacy paths,
 * and the console's static files (no data; an operator's open console lifts the switch with them).
 */
export const ALWAYS_ALLOWED_PATHS = [
  "/health",
  "/health/*",
  "/metrics",
  "/api/v1/admin/kill-switch",
  "/api/admin/kill-switch",
  "/console",
  "/console/*",
];

/** "/a/b" matches exactly; "/a/*" (or "/a*") matches every path starting with "/a/" ("/a"). */
export function pathMatcher(patterns: readonly string[]): (path: string) => boolean {
  const exact = new Set(patterns.filter((p) => !p.endsWith("*")));
  const prefixes = patterns.filter((p) => p.endsWith("*")).map((p) => p.slice(0, -1));
  return (path) => exact.has(path) || prefixes.some((prefix) => path.startsWith(prefix));
}

function pathOf(request: FastifyRequest): string {
  // The path the client called: an allowed legacy path (KILL_SWITCH_ALLOWED_PATHS) is matched
  // as written, though the request is routed as its /api/v1 twin (legacy-routes.ts).
  const url = request.originalUrl;
  const q = url.indexOf("?");
  return q === -1 ? url : url.slice(0, q);
}

/**
 * The kill switch answers every other request with a 503 problem carrying the public reason
 * and Retry-After, before authentication, rate limits or body parsing (paths no route
 * matches keep their 404). Feature-gated routes answer 403 while their flag is off.
 */
export function installSwitchEnforcement(
  app: FastifyInstance,
  switchboard: Switchboard,
  extraAllowedPaths: string,
): void {
  const allowed = pathMatcher([...ALWAYS_ALLOWED_PATHS, ...commaList(extraAllowedPaths)]);
  app.addHook("onRequest", (request, _reply, done) => {
    const { killSwitch } = switchboard.current();
    if (killSwitch.enabled && !allowed(pathOf(request))) return done(switchErrors.killSwitchOn(killSwitch));
    done();
  });
  // Route hooks run after the global one: while the kill switch is on, its 503 comes first.
  addRouteHook(app, "onRequest", "feature", (route) => {
    const feature = route.config?.feature;
    if (feature === undefined) return undefined;
    return (_request, _reply, done) => {
      if (!switchboard.current().flags[feature].enabled) return done(switchErrors.featureDisabled(feature));
      done();
    };
  });
}
