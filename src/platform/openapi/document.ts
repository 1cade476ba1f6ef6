import type { FastifyDynamicSwaggerOptions } from "@fastify/swagger";
import type { FastifySchema, RouteOptions } from "fastify";
import { accessOf } from "../access/access.ts";
import { stepUpOf } from "../access/step-up.ts";
import { withIdempotencyKeyHeader } from "../idempotency/openapi.ts";
import { acceptsIdempotencyKey } from "../idempotency/plugin.ts";
import { http } from "../node-http.ts";
import { RAMPART_VERSION } from "../version.ts";
import { commonProblemStatuses, securityFor } from "./common-problems.ts";
import { withLegacyTwins } from "./legacy-twins.ts";
import { problemResponse } from "./problem-responses.ts";
import { API_TAGS } from "./tags.ts";

type ResponseEntries = Record<string, unknown>;

/**
 * How @fastify/swagger turns the route schemas into Rampart's OpenAPI 3.1 document. The
 * TypeBox schemas on the routes are the single source of truth; this only adds what is
 * the same for every operation (common problem responses, response descriptions) and
 * the document-level parts (info, servers, security schemes, tags).
 */
export function openapiOptions(options: { readonly legacyRoutes: boolean }): FastifyDynamicSwaggerOptions {
  return {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Rampart",
        version: RAMPART_VERSION,
        description:
          "Multi-tenant B2B SaaS backend. Errors are RFC 9457 problem documents (application/problem+json) with a stable `code` and the `requestId`.",
        license: { name: "MIT", identifier: "MIT" },
      },
      // Relative: the document describes whichever host serves it; clients set their base URL.
      servers: [{ url: "/", description: "The server that serves this document" }],
      components: {
        securitySchemes: {
          bearerAuth: {
            type: "http",
            scheme: "bearer",
            bearerFormat: "JWT",
            description: "A short-lived access token; its `sub` is the user id.",
          },
          apiKey: {
            type: "apiKey",
            in: "header",
            name: "X-API-Key",
            description: "A company API key, for machine-to-machine calls.",
          },
        },
      },
      tags: API_TAGS.map((tag) => ({ ...tag })),
    },
    // Shared schemas registered with `$id` become components named by that `$id` and are
    // referenced with $ref, instead of anonymous `def-N` entries a client cannot name.
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === "string" ? json.$id : `def-${i}`),
    },
    transform: ({ schema, url, route }) => ({ schema: operationSchema(schema, route), url }),
    // The unversioned twins are served by rewriting, not as routes: the document lists them still.
    transformObject: (documentObject) => {
      const ordered = orderDocument<Record<string, unknown>>(documentObject);
      return options.legacyRoutes ? withLegacyTwins(ordered) : ordered;
    },
  };
}

/**
 * The route schema as the document shows it: every response described and common problems
 * added.
 */
function operationSchema(schema: FastifySchema | undefined, route: RouteOptions): FastifySchema {
  if (schema === undefined || (schema as { hide?: boolean }).hide === true) return schema ?? { hide: true };
  const method = Array.isArray(route.method) ? String(route.method[0]) : String(route.method);
  const responses: ResponseEntries = {};
  for (const [status, entry] of Object.entries((schema.response ?? {}) as ResponseEntries)) {
    responses[status] = describedResponse(status, entry);
  }
  const access = accessOf(route);
  const security = (schema as { security?: Record<string, string[]>[] }).security ?? securityFor(access);
  const idempotent = acceptsIdempotencyKey(route.method, access, route.config);
  for (const status of commonProblemStatuses(method, { ...schema, security }, access, route.config)) {
    responses[status] ??= problemResponse(status);
  }
  // The permission is part of the contract: clients and docs/access-matrix.md read it here.
  const declared =
    access === undefined
      ? {}
      : typeof access === "object"
        ? { "x-rampart-access": "company", "x-rampart-permission": access.permission }
        : { "x-rampart-access": access };
  // The header a client passes to retry safely, so generated clients can send it.
  const headers = idempotent ? { headers: withIdempotencyKeyHeader(schema.headers) } : {};
  // Step-up (RFC 9470) is part of the contract too: a client must expect the challenge.
  const stepUp = stepUpOf(route);
  const stepUpDeclared = stepUp === undefined ? {} : { "x-rampart-step-up": stepUp === true ? "always" : stepUp.when };
  return {
    ...schema,
    ...headers,
    ...(security !== undefined ? { security } : {}),
    ...declared,
    ...stepUpDeclared,
    response: responses,
  };
}

/** OpenAPI requires a description per response; a bare schema gets its status text. */
function describedResponse(status: string, entry: unknown): unknown {
  const record = entry as Record<string, unknown>;
  if (record.content !== undefined) return { description: http.STATUS_CODES[status] ?? status, ...record };
  const description =
    typeof record.description === "string" ? record.description : (http.STATUS_CODES[status] ?? status);
  // `Type.Null()` (e.g. a 204) means no body: @fastify/swagger then omits `content`.
  if (record.type === "null") return { ...record, description };
  return { description, content: { "application/json": { schema: entry } } };
}

/**
 * The conventional key order (info, servers, tags, paths, components) and components in
 * name order, so a new schema lands in one predictable place in the committed diff.
 */
function orderDocument<T>(input: { openapiObject: unknown } | { swaggerObject: unknown }): T {
  const document = ("openapiObject" in input ? input.openapiObject : input.swaggerObject) as Record<string, unknown>;
  const { openapi, info, servers, tags, paths, components, ...rest } = document;
  const { schemas, ...otherComponents } = (components ?? {}) as { schemas?: Record<string, unknown> };
  const sortedSchemas = Object.fromEntries(Object.entries(schemas ?? {}).sort(([a], [b]) => a.localeCompare(b)));
  return {
    openapi,
    info,
    servers,
    tags,
    paths,
    components: { ...otherComponents, schemas: sortedSchemas },
    ...rest,
  } as T;
}
