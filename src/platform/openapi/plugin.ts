import swagger from "@fastify/swagger";
import type { FastifyInstance } from "fastify";
import { registerDocs } from "./docs.ts";
import { openapiOptions } from "./document.ts";

export const OPENAPI_PATH = "/openapi.json";

/**
 * Collects every route's schema into the OpenAPI document and serves it at /openapi.json
 * (always: clients are generated from it) and the human docs at /docs (when enabled).
 * Must be registered before any route: @fastify/swagger learns routes from onRoute.
 */
export async function registerOpenapi(app: FastifyInstance, options: { readonly docs: boolean }): Promise<void> {
  await app.register(swagger, openapiOptions());
  app.get(OPENAPI_PATH, { schema: { hide: true } }, async (_request, reply) => {
    // Revalidate: the document changes with each deployment.
    reply.header("cache-control", "no-cache");
    return app.swagger();
  });
  if (options.docs) await registerDocs(app);
}
