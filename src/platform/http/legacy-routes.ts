import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from "fastify";
import { asArray } from "./route-hooks.ts";

export const API_V1_PREFIX = "/api/v1";
export const LEGACY_PREFIX = "/api";

/** When the unversioned paths were deprecated (RFC 9745) and when they will stop answering (RFC 8594). */
export const LEGACY_DEPRECATED_AT = new Date("2026-01-01T00:00:00Z");
export const LEGACY_SUNSET_AT = new Date("2027-01-01T00:00:00Z");

/** The suffix that tells a legacy operation from its v1 twin in the spec and the generated client. */
export const LEGACY_OPERATION_SUFFIX = "Legacy";

/** What onRoute hooks receive: the options plus the url split into prefix and path. */
type RegisteredRoute = RouteOptions & { path: string; routePath: string; prefix: string };

/** Carried in a legacy twin's route config: where it really lives (see the onRoute hook). */
interface LegacyRouteConfig {
  readonly legacyUrl: string;
}

declare module "fastify" {
  interface FastifyContextConfig {
    legacyRoute?: LegacyRouteConfig;
  }
}

/**
 * The JSON API lives under /api/v1. Clients written before versioning call /api/...; while
 * ENABLE_LEGACY_ROUTES is on, every /api/v1 route therefore gets an unversioned twin that
 * runs the very same handler, schemas and hooks, and answers with Deprecation, Sunset and
 * a Link to its successor, so those clients learn when to move and where to.
 *
 * The twin is registered from the onRoute hook on the instance that registered the v1
 * route (`this`), so it inherits that plugin's hooks — authentication, tenancy — exactly.
 * That instance prefixes every url it registers, so the twin is registered under its own
 * v1 path and moved to the legacy path by this same hook before Fastify routes it.
 */
export function installLegacyRoutes(app: FastifyInstance, enabled: boolean): void {
  if (!enabled) return;
  app.addHook("onRoute", function legacyTwin(this: FastifyInstance, route: RegisteredRoute) {
    const legacy = route.config?.legacyRoute;
    if (legacy !== undefined) {
      route.url = legacy.legacyUrl;
      route.path = legacy.legacyUrl;
      return;
    }
    // Fastify's HEAD twin of a GET route follows the GET route (and its legacy twin gets one too).
    if (route.method === "HEAD" || !isVersionOne(route.url)) return;
    const legacyUrl = LEGACY_PREFIX + route.url.slice(API_V1_PREFIX.length);
    const { path: _path, routePath, prefix: _prefix, ...options } = route;
    this.route({
      ...options,
      // Any path works: the hook above replaces it with legacyUrl. "no-slash" keeps Fastify
      // from adding a second, unhooked trailing-slash variant of a prefix root.
      url: routePath === "" ? "/" : routePath,
      prefixTrailingSlash: "no-slash",
      schema: legacySchema(route.schema),
      config: { ...route.config, legacyRoute: { legacyUrl } },
      onSend: [...asArray(route.onSend), addDeprecationHeaders],
    } as RouteOptions);
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

function isVersionOne(url: string): boolean {
  return url === API_V1_PREFIX || url.startsWith(`${API_V1_PREFIX}/`);
}

function legacySchema(schema: RouteOptions["schema"]): RouteOptions["schema"] {
  if (schema === undefined) return undefined;
  const operationId = (schema as { operationId?: unknown }).operationId;
  return {
    ...schema,
    ...(typeof operationId === "string" ? { operationId: `${operationId}${LEGACY_OPERATION_SUFFIX}` } : {}),
    deprecated: true,
  } as RouteOptions["schema"];
}

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

/** RFC 9745 Deprecation (a structured-field date), RFC 8594 Sunset, and the v1 path of this very resource. */
function addDeprecationHeaders(
  request: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
  done: (err: null, payload: unknown) => void,
): void {
  // The path only: query strings carry tokens more often than anyone expects.
  const path = request.url.split("?")[0] ?? LEGACY_PREFIX;
  reply.header("deprecation", DEPRECATION);
  reply.header("sunset", SUNSET);
  const successor = `<${API_V1_PREFIX}${linkSafePath(path.slice(LEGACY_PREFIX.length))}>; rel="successor-version"`;
  const existing = reply.getHeader("link");
  reply.header("link", existing === undefined ? successor : `${String(existing)}, ${successor}`);
  done(null, payload);
}
