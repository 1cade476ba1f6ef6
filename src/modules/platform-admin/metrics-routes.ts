import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import type { MetricsHistory } from "../../platform/observability/metrics-history.ts";

const MetricsPoint = Type.Object(
  {
    at: Type.String({ format: "date-time", description: "End of the interval" }),
    requestsPerSecond: Type.Number({ minimum: 0 }),
    errorRate: Type.Number({ minimum: 0, maximum: 1, description: "5xx answers over all answers" }),
    p95Ms: Type.Union([Type.Number({ minimum: 0 }), Type.Null()], {
      description: "95th percentile latency (estimated from the histogram buckets); null without requests",
    }),
    rateLimited: Type.Record(Type.String(), Type.Integer({ minimum: 0 }), {
      description: "429 answers in the interval, per rate-limit tier",
    }),
  },
  { $id: "MetricsPoint", additionalProperties: false },
);

const RecentMetrics = Type.Object(
  {
    enabled: Type.Boolean({ description: "false when ENABLE_METRICS=false: no series are collected" }),
    intervalSeconds: Type.Integer({ minimum: 1 }),
    points: Type.Array(Type.Ref("MetricsPoint")),
  },
  { $id: "RecentMetrics", additionalProperties: false },
);

/**
 * The console's live charts: this instance's request rate, error rate, p95 and 429s per
 * tier over the last 15 minutes, from snapshots of its own metrics registry
 * (platform/observability/metrics-history.ts). /metrics stays the Prometheus scrape; this is
 * a small JSON read for an operator's browser, which has no Prometheus token.
 */
export const adminMetricsRoutes: FastifyPluginAsyncTypebox<{ readonly history: MetricsHistory | undefined }> = async (
  app,
  { history },
) => {
  app.addSchema(MetricsPoint);
  app.addSchema(RecentMetrics);
  app.get(
    "/admin/metrics/recent",
    {
      config: { access: "platform_admin", rateLimit: { tier: "admin" } },
      schema: {
        operationId: "adminRecentMetrics",
        tags: ["admin"],
        summary: "This instance's request rate, error rate, p95 latency and 429s per tier over the last 15 minutes",
        response: { 200: Type.Ref("RecentMetrics") },
      },
    },
    async (_request, reply) => {
      reply.header("cache-control", "no-store");
      if (history === undefined) return { enabled: false, intervalSeconds: 10, points: [] };
      return { enabled: true, intervalSeconds: history.intervalSeconds, points: await history.points() };
    },
  );
};
