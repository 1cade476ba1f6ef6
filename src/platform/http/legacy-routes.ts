import type { FastifyInstance, FastifyReply } from "fastify";
import { addRouteHook } from "./route-hooks.ts";

export const API_V1_PREFIX = "/api/v1";
export const LEGACY_PREFIX = "/api";

/** When the unversioned paths were deprecated (RFC 9745) and when they will stop answering (RFC 8594). */
export const LEGACY_DEPRECATED_AT = new Date("2026-01-01T00:00:00Z");
export const LEGACY_SUNSET_AT = new Date("2027-01-01T00:00:00Z");

/** The suffix that tells a legacy operation from its v1 twin in the spec and the generated client. */
export const LEGACY_OPERATION_SUFFIX = "Legacy";

/**
 * The JSON API lives under /api/v1. Clients written before versioning call /api/...; while
 * ENABLE_LEGACY_ROUTES is on, every /api/v1 route therefore also answers at its unversioned
 * path — the very same route: handler, schemas, hooks (authentication, tenancy), rate-limit
 * budget — and marks the answer with Deprecation, Sunset and a Link to its successor, so those
 * clients learn when to move and where to.
 *
 * The unversioned path is rewritten to its /api/v1 twin before routing (Fastify's
 * `rewriteUrl`), not registered as a second route: registering a copy of every route (and of
 * its HEAD route) doubled the route table, which cost ~75 ms of every start and ~10 MiB of
 * resident memory (issue #21; docs/benchmarks.md). `request.originalUrl` keeps the path the
 * client called; logs and problems show it. The OpenAPI document still lists every twin as a
 * deprecated operation of its own (`withLegacyTwins`), so generated clients are unchanged.
 */
export function legacyUrlRewrite(enabled: boolean): ((request: { url?: string }) => string) | undefined {
  if (!enabled) return undefined;
  return (request) => {
    const url = request.url ?? "/";
    return isLegacyPath(url) ? API_V1_PREFIX + url.slice(LEGACY_PREFIX.length) : url;
  };
}

/** /api/... but not /api/v1 or under it (query strings allowed). */
export function isLegacyPath(url: string): boolean {
  if (!url.startsWith(`${LEGACY_PREFIX}/`)) return false;
  if (!url.startsWith(API_V1_PREFIX)) return true;
  const next = url.charAt(API_V1_PREFIX.length);
  return !(next === "" || next === "/" || next === "?");
}

/**
 * Marks every answer of an /api/v1 route to a rewritten (legacy) request. A route hook, not a
 * global one: no other route, probes included, pays a step per request. An unversioned path no
 * route matches gets a plain 404.
 */
export function installLegacyRoutes(app: FastifyInstance, enabled: boolean): void {
  if (!enabled) return;
  addRouteHook(app, "onSend", "legacyDeprecation", (route) => {
    if (!route.url.startsWith(`${API_V1_PREFIX}/`)) return undefined;
    return (request, reply, payload, done) => {
      if (request.raw.url !== request.originalUrl) addDeprecationHeaders(request.url, reply);
      done(null, payload);
    };
  });
}

/** How the document describes the headers every legacy answer carries. */
export const LEGACY_RESPONSE_HEADERS = {
  Deprecation: {
    type: "string",
    description: `RFC 9745: this path is deprecated since the given time (${LEGACY_DEPRECATED_AT.toISOString().slice(0, 10)}).`,
  },
  Sunset: {
    type: "string",
    description: `RFC 8594: this path stops answering after this HTTP-date (${LEGACY_SUNSET_AT.toISOString().slice(0, 10)}).`,
  },
  Link: { type: "string", description: 'The same resource under /api/v1, rel="successor-version".' },
} as const;

/**
 * A path as it may appear inside `<…>` of a Link header: every character outside RFC 3986's
 * unreserved set, "/", and the path's own valid %XX escapes is percent-encoded, so a path
 * holding `>`, `;`, `,` or quotes cannot close the URI and add link parameters or links
 * (a raw `/api/companies/x>;rel="preload";as="style",<evil.css` used to do both).
 */
export function linkSafePath(path: string): string {
  return path.replace(/%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9\-._~/%]/g, (c) => encodeURIComponent(c));
}

const DEPRECATION = `@${Math.floor(LEGACY_DEPRECATED_AT.getTime() / 1000)}`;
const SUNSET = LEGACY_SUNSET_AT.toUTCString();

/**
 * RFC 9745 Deprecation (a structured-field date), RFC 8594 Sunset, and the v1 path of this very
 * resource: the URL the legacy path was rewritten to.
 */
function addDeprecationHeaders(v1Url: string, reply: FastifyReply): void {
  // The path only: query strings carry tokens more often than anyone expects.
  const path = v1Url.split("?")[0] ?? API_V1_PREFIX;
  reply.header("deprecation", DEPRECATION);
  reply.header("sunset", SUNSET);
  const successor = `<${linkSafePath(path)}>; rel="successor-version"`;
  const existing = reply.getHeader("link");
  reply.header("link", existing === undefined ? successor : `${String(existing)}, ${successor}`);
}
