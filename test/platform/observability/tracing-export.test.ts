import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createPostgresSchema } from "../../helpers/database.ts";
import { CLIENT, fakeCollector, SERVER } from "../../helpers/otlp-collector.ts";
import { startServerProcess } from "../../helpers/server-process.ts";
import { postgres, redis } from "../../helpers/services.ts";

const pgService = await postgres();
const redisService = await redis();

describe("traces exported by the server process", { skip: pgService.skip || redisService.skip }, () => {
  const collector = fakeCollector();
  let schema: Awaited<ReturnType<typeof createPostgresSchema>>;
  before(async () => {
    schema = await createPostgresSchema();
  });
  after(async () => {
    collector.stop();
    await schema.dropSchema();
  });

  it("sends HTTP → PostgreSQL and HTTP → Redis spans, continuing the caller's trace, to the collector", async () => {
    const server = await startServerProcess({
      OTEL_EXPORTER_OTLP_ENDPOINT: await collector.start(),
      OTEL_SERVICE_NAME: "rampart-e2e",
      DATABASE_URL: schema.url,
      REDIS_URL: String(redisService.url),
    });
    const traceId = "5b8efff798038103d269b633813fc60c";
    const callerSpanId = "eee19b7ec3c1b174";
    try {
      const res = await fetch(`${server.url}/health/ready`, {
        headers: { traceparent: `00-${traceId}-${callerSpanId}-01` },
      });
      assert.equal(res.status, 200);
    } finally {
      // Spans leave in batches; shutdown flushes the last one.
      server.child.kill("SIGTERM");
      assert.equal(await server.exited(), 0);
    }
    const spans = collector.spans().filter((s) => s.traceId === traceId);
    const request = spans.find((s) => s.kind === SERVER);
    assert.ok(request, `a server span in the caller's trace; got ${spans.map((s) => s.name).join(", ")}`);
    assert.equal(request.name, "GET /health/ready");
    assert.equal(request.parentSpanId, callerSpanId);
    const children = spans.filter((s) => s.parentSpanId === request.spanId);
    assert.ok(
      children.some((s) => s.kind === CLIENT && s.name.startsWith("pg.query")),
      `a pg.query child; got ${children.map((s) => s.name).join(", ")}`,
    );
    assert.ok(
      children.some((s) => s.kind === CLIENT && s.name === "ping"),
      `a Redis ping child; got ${children.map((s) => s.name).join(", ")}`,
    );
    const service = collector.exports[0]?.resourceSpans[0]?.resource.attributes.find((a) => a.key === "service.name");
    assert.deepEqual(service?.value, { stringValue: "rampart-e2e" });
  });
});
