import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import type { Config } from "./config/settings/index.ts";
import { translateDatabaseError } from "./platform/db/errors.ts";
import { registerDatabaseMetrics } from "./platform/db/metrics.ts";
import type { Deps } from "./platform/deps.ts";
import { installErrorHandling } from "./platform/errors/error-handler.ts";
import { FieldErrorSchema, ProblemSchema } from "./platform/errors/problem.ts";
import { CheckResultSchema, ReadinessSchema } from "./platform/health/readiness.ts";
import { healthRoutes } from "./platform/health/routes.ts";
import { installHttpEdge } from "./platform/http/edge.ts";
import { installLegacyRoutes } from "./platform/http/legacy-routes.ts";
import { REQUEST_ID_HEADER, requestIdFor } from "./platform/http/request-id.ts";
import { enforceRouteContracts } from "./platform/http/route-contract.ts";
import { edgeServerOptions } from "./platform/http/server-options.ts";
import { createLifecycle, type Lifecycle } from "./platform/lifecycle/lifecycle.ts";
import { installRequestLogging } from "./platform/logging/request-log.ts";
import { installObservability } from "./platform/observability/observability.ts";
import { registerOpenapi } from "./platform/openapi/plugin.ts";
import { installRateLimiting } from "./platform/rate-limit/rate-limit.ts";

export type App = FastifyInstance & { readonly lifecycle: Lifecycle };

declare module "fastify" {
  interface FastifyInstance {
    lifecycle: Lifecycle;
    config: Config;
  }
}

/**
 * Builds the whole HTTP application from a validated config and its dependencies.
 * Order matters: edge concerns first (request id, logging, errors), then shared schemas,
 * then routes — so every route inherits the same edge behaviour.
 */
export async function buildApp(config: Config, deps: Deps): Promise<App> {
  const app = Fastify({
    // Trusted proxies, body limit and connection timeouts (docs/security.md).
    ...edgeServerOptions(config),
    loggerInstance: deps.logger as FastifyBaseLogger,
    // Fastify's own per-request lines are replaced by one line per request (request-log.ts).
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: "requestId" }),
    requestIdHeader: false,
    genReqId: requestIdFor,
    return503OnClosing: true,
    ajv: {
      customOptions: {
        // Report every invalid field at once, and reject unknown fields instead of silently dropping them.
        allErrors: true,
        removeAdditional: false,
        coerceTypes: "array",
        useDefaults: true,
      },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorate("lifecycle", createLifecycle());
  app.decorate("config", config);
  registerDatabaseMetrics(deps.metrics, deps.database);
  // Only JSON bodies are part of the contract; anything else is a 415, not a silent string.
  app.removeContentTypeParser("text/plain");

  app.addHook("onRequest", (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
  installRequestLogging(app, config.SLOW_REQUEST_MS);
  installErrorHandling(app, [translateDatabaseError]);
  enforceRouteContracts(app);
  // Observability first, so requests the edge rejects (400 host, 413, 429) are measured too.
  installObservability(app, config, deps);
  await installHttpEdge(app, config);
  installRateLimiting(app, config, deps);
  installLegacyRoutes(app, config.ENABLE_LEGACY_ROUTES);
  // Before any route: the OpenAPI document is collected from onRoute.
  await registerOpenapi(app, { docs: config.ENABLE_DOCS });

  app.addSchema(FieldErrorSchema);
  app.addSchema(ProblemSchema);
  app.addSchema(CheckResultSchema);
  app.addSchema(ReadinessSchema);

  await app.register(healthRoutes, {
    checks: deps.readinessChecks,
    readinessTimeoutMs: config.READINESS_TIMEOUT_MS,
    isDraining: () => app.lifecycle.draining,
  });

  return app as App;
}
