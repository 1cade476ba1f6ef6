import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import { RAMPART_VERSION } from "../version.ts";
import { evaluateReadiness, type ReadinessCheck } from "./readiness.ts";

export interface HealthRouteOptions {
  readonly checks: readonly ReadinessCheck[];
  readonly readinessTimeoutMs: number;
  readonly isDraining: () => boolean;
}

export const HealthSchema = Type.Object(
  {
    status: Type.Literal("ok"),
    version: Type.String(),
    uptimeSeconds: Type.Number(),
  },
  { $id: "Health", additionalProperties: false },
);

const LivenessSchema = Type.Object(
  { status: Type.Literal("ok"), eventLoopLagMs: Type.Number() },
  { $id: "Liveness", additionalProperties: false },
);

/** Probes: `/health` is cheap, `/health/live` proves the event loop turns, `/health/ready` asks the dependencies. */
export const healthRoutes: FastifyPluginAsyncTypebox<HealthRouteOptions> = async (app, options) => {
  app.addSchema(HealthSchema);
  app.addSchema(LivenessSchema);

  app.get(
    "/health",
    {
      config: { access: "public" },
      // Probes arrive every few seconds from every balancer and orchestrator: only slow or
      // failed ones are worth a log line.
      logLevel: "warn",
      schema: {
        operationId: "getHealth",
        tags: ["health"],
        summary: "Cheap liveness summary: status, version and uptime",
        security: [],
        response: { 200: Type.Ref("Health") },
      },
    },
    // Synchronous: an async handler costs a promise and a microtask turn on the hottest route.
    (_request, reply) => {
      reply.send({ status: "ok", version: RAMPART_VERSION, uptimeSeconds: Math.round(process.uptime()) });
    },
  );

  app.get(
    "/health/live",
    {
      config: { access: "public" },
      // Probes arrive every few seconds from every balancer and orchestrator: only slow or
      // failed ones are worth a log line.
      logLevel: "warn",
      schema: {
        operationId: "getLiveness",
        tags: ["health"],
        summary: "200 while the event loop is responsive",
        security: [],
        response: { 200: Type.Ref("Liveness") },
      },
    },
    async () => {
      // The lag of one timer turn: a blocked loop answers late or not at all, and the probe times out.
      const started = performance.now();
      await new Promise((resolve) => setImmediate(resolve));
      return { status: "ok" as const, eventLoopLagMs: Math.round((performance.now() - started) * 100) / 100 };
    },
  );

  app.get(
    "/health/ready",
    {
      config: { access: "public" },
      // Probes arrive every few seconds from every balancer and orchestrator: only slow or
      // failed ones are worth a log line.
      logLevel: "warn",
      schema: {
        operationId: "getReadiness",
        tags: ["health"],
        summary: "200 when every required dependency answers in time; 503 otherwise or while shutting down",
        security: [],
        response: { 200: Type.Ref("Readiness"), 503: Type.Ref("Readiness") },
      },
    },
    async (_request, reply) => {
      const readiness = await evaluateReadiness(options.checks, options.readinessTimeoutMs, options.isDraining());
      reply.header("cache-control", "no-store");
      return reply.code(readiness.status === "ready" ? 200 : 503).send(readiness);
    },
  );
};
