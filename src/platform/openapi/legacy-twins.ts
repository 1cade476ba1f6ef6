import {
  API_V1_PREFIX,
  LEGACY_OPERATION_SUFFIX,
  LEGACY_PREFIX,
  LEGACY_RESPONSE_HEADERS,
} from "../http/legacy-routes.ts";

type PathItem = Record<string, unknown>;
type Operation = Record<string, unknown>;
interface PathsDocument {
  paths?: Record<string, PathItem | undefined>;
}

/** The legacy headers as @fastify/swagger writes a response header: its schema and description. */
const LEGACY_HEADERS = Object.fromEntries(
  Object.entries(LEGACY_RESPONSE_HEADERS).map(([name, { type, description }]) => [
    name,
    { schema: { type }, description },
  ]),
);

/** Keys @fastify/swagger writes after `deprecated` in an operation (lib/spec/openapi/utils.js). */
const AFTER_DEPRECATED = new Set(["security", "servers", "callbacks", "responses"]);

/**
 * The OpenAPI document as clients have always had it while ENABLE_LEGACY_ROUTES is on: each
 * /api/v1 path preceded by its unversioned twin (src/platform/http/legacy-routes.ts serves
 * those by rewriting, not as routes of their own), whose operations are the v1 ones marked
 * deprecated, with the `Legacy` operationId suffix and the Deprecation, Sunset and Link headers
 * on every response.
 */
export function withLegacyTwins<T extends PathsDocument>(document: T): T {
  const paths: Record<string, PathItem | undefined> = {};
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    if (item !== undefined && path.startsWith(`${API_V1_PREFIX}/`)) paths[legacyPathOf(path)] = legacyItem(item);
    paths[path] = item;
  }
  return { ...document, paths };
}

/** "/api/v1/x" → "/api/x"; a module's root ("/api/v1/x/") without its trailing slash, as the twins always were. */
export function legacyPathOf(v1Path: string): string {
  const legacy = LEGACY_PREFIX + v1Path.slice(API_V1_PREFIX.length);
  return legacy.length > `${LEGACY_PREFIX}/`.length && legacy.endsWith("/") ? legacy.slice(0, -1) : legacy;
}

function legacyItem(item: PathItem): PathItem {
  return Object.fromEntries(
    Object.entries(item).map(([method, operation]) => [method, legacyOperation(operation as Operation)]),
  );
}

function legacyOperation(operation: Operation): Operation {
  const twin: Operation = {};
  for (const [key, value] of Object.entries(operation)) {
    if (twin.deprecated === undefined && (AFTER_DEPRECATED.has(key) || key.startsWith("x-"))) twin.deprecated = true;
    if (key === "operationId") twin[key] = `${String(value)}${LEGACY_OPERATION_SUFFIX}`;
    else if (key === "responses") twin[key] = legacyResponses(value as Record<string, Operation>);
    else twin[key] = value;
  }
  twin.deprecated ??= true;
  return twin;
}

function legacyResponses(responses: Record<string, Operation>): Record<string, Operation> {
  return Object.fromEntries(
    Object.entries(responses).map(([status, { description, headers: _own, ...rest }]) => [
      status,
      { ...(description === undefined ? {} : { description }), headers: LEGACY_HEADERS, ...rest },
    ]),
  );
}
