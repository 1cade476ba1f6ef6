import type { FastifyInstance, RouteOptions } from "fastify";

const CAMEL_CASE = /^[a-z][a-zA-Z0-9]*$/;

/**
 * Every route must declare its contract — a camelCase operationId, a tag and a response
 * schema per status — because validation, serialization, the OpenAPI document and the
 * generated client all come from that one declaration. A route without one fails at
 * startup, not in review. Hidden routes (`schema.hide`) are outside the public contract.
 */
export function enforceRouteContracts(app: FastifyInstance): void {
  const operationIds = new Map<string, string>();
  app.addHook("onRoute", (route: RouteOptions) => {
    const where = `${String(route.method)} ${route.url}`;
    const schema = route.schema as Record<string, unknown> | undefined;
    if (schema?.hide === true) return;
    // Fastify adds HEAD twins of GET routes with the same schema; they are not separate operations.
    if (route.method === "HEAD") return;
    const operationId = schema?.operationId;
    if (typeof operationId !== "string" || !CAMEL_CASE.test(operationId)) {
      throw new Error(`route ${where} must declare a camelCase schema.operationId`);
    }
    if (!Array.isArray(schema?.tags) || schema.tags.length === 0) {
      throw new Error(`route ${where} must declare schema.tags`);
    }
    if (typeof schema?.response !== "object" || schema.response === null) {
      throw new Error(`route ${where} must declare a response schema for each status`);
    }
    const previous = operationIds.get(operationId);
    if (previous !== undefined && previous !== route.url) {
      throw new Error(`operationId ${operationId} of ${where} is already used by ${previous}`);
    }
    operationIds.set(operationId, route.url);
  });
}
