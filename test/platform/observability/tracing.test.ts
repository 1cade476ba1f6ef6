// Tracing hooks module loading, so it starts before anything instrumented is imported:
// the app, ioredis, pg and kysely are imported dynamically below, after startTracing.
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { context, SpanKind } from "@opentelemetry/api";
import { suppressTracing } from "@opentelemetry/core";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace";
import { startTracing } from "../../../src/platform/observability/tracing.ts";
import { postgres, redis } from "../../helpers/services.ts";

const exporter = new InMemorySpanExporter();
const tracing = startTracing({ serviceName: "rampart-test", serviceVersion: "0.0.0", exporter });

const { Redis } = await import("ioredis");
const pg = await import("pg");
const { Kysely, PostgresDialect, sql } = await import("kysely");
const { buildTestApp, testConfig } = await import("../../helpers/app.ts");
const { createLogger } = await import("../../../src/platform/logging/logger.ts");
const { LogCapture } = await import("../../helpers/log-capture.ts");

const redisService = await redis();
const pgService = await postgres();

/** A request from the test itself, outside any trace (so it adds no client span of its own). */
function untraced(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return context.with(suppressTracing(context.active()), () => fetch(url, { headers }));
}

function serverSpan(route: string): ReadableSpan {
  const span = exporter
    .getFinishedSpans()
    .find((s) => s.kind === SpanKind.SERVER && s.attributes["http.route"] === route);
  assert.ok(span, `a server span for ${route}`);
  return span;
}

function childrenOf(parent: ReadableSpan): ReadableSpan[] {
  return exporter.getFinishedSpans().filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId);
}

/**
 * Waits for the request's server span: it ends on the response's 'finish', which the client
 * may see a moment later; the spans of its children ended before the response was sent.
 */
async function settle(): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (exporter.getFinishedSpans().some((s) => s.kind === SpanKind.SERVER)) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("log lines with tracing on", () => {
  it("carry only their own fields outside a span (nothing leaks from one line into the next)", () => {
    const capture = new LogCapture();
    const logger = createLogger({ LOG_LEVEL: "info", LOG_FORMAT: "json" }, capture, tracing.logFields);
    logger.info({ userId: "first-user", secretish: "x" }, "first");
    logger.info("second");
    const second = capture.lines().find((l) => l.msg === "second");
    assert.ok(second);
    assert.equal(second.userId, undefined);
    assert.equal(second.secretish, undefined);
  });
});

describe("tracing", () => {
  const logs = new LogCapture();
  const seenTraceparents: string[] = [];
  const downstream = createServer((req, res) => {
    seenTraceparents.push(String(req.headers.traceparent));
    res.end("ok");
  });
  let baseUrl = "";
  let downstreamUrl = "";
  let app: Awaited<ReturnType<typeof buildTestApp>>["app"];
  const redisClient = redisService.url ? new Redis(redisService.url, { lazyConnect: true }) : undefined;
  const db = pgService.url
    ? new Kysely<Record<string, never>>({
        dialect: new PostgresDialect({ pool: new pg.default.Pool({ connectionString: pgService.url, max: 2 }) }),
      })
    : undefined;

  before(async () => {
    downstream.listen(0, "127.0.0.1");
    await once(downstream, "listening");
    downstreamUrl = `http://127.0.0.1:${(downstream.address() as AddressInfo).port}`;
    await redisClient?.connect();
    const logger = createLogger(testConfig(), logs, tracing.logFields);
    ({ app } = await buildTestApp({}, { logger, tracing, redis: redisClient }));
    app.get("/things/:thingId", { schema: { hide: true } as object }, async (request) => {
      const { thingId } = request.params as { thingId: string };
      request.log.info({ thingId }, "loading thing");
      if (redisClient) await redisClient.get(`tracing-test:${thingId}`);
      if (db) await sql`select ${thingId}::text as id`.execute(db);
      await (await fetch(`${downstreamUrl}/notify`)).text();
      return { thingId };
    });
    baseUrl = await app.listen({ host: "127.0.0.1", port: 0 });
  });

  after(async () => {
    await app.close();
    redisClient?.disconnect();
    await db?.destroy();
    downstream.close();
    await tracing.shutdown();
  });

  it("names the HTTP server span after the route template, with the status", async () => {
    exporter.reset();
    const res = await untraced(`${baseUrl}/things/t-1`);
    assert.equal(res.status, 200);
    await settle();
    const span = serverSpan("/things/:thingId");
    assert.equal(span.name, "GET /things/:thingId");
    assert.equal(span.attributes["http.response.status_code"], 200);
  });

  it("sends traceparent on outgoing requests, as a child of the request's span", async () => {
    exporter.reset();
    seenTraceparents.length = 0;
    await untraced(`${baseUrl}/things/t-2`);
    await settle();
    const server = serverSpan("/things/:thingId");
    const client = childrenOf(server).find((s) => s.kind === SpanKind.CLIENT && s.name.startsWith("GET"));
    assert.ok(client, "a client span for the outgoing fetch under the server span");
    assert.equal(seenTraceparents.length, 1);
    assert.equal(seenTraceparents[0], `00-${server.spanContext().traceId}-${client.spanContext().spanId}-01`);
  });

  it("continues the caller's trace from an incoming traceparent", async () => {
    exporter.reset();
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const parentId = "00f067aa0ba902b7";
    await untraced(`${baseUrl}/things/t-3`, { traceparent: `00-${traceId}-${parentId}-01` });
    await settle();
    const span = serverSpan("/things/:thingId");
    assert.equal(span.spanContext().traceId, traceId);
    assert.equal(span.parentSpanContext?.spanId, parentId);
    assert.equal(span.parentSpanContext?.isRemote, true);
  });

  it("puts the trace id on every log line of the request", async () => {
    exporter.reset();
    await untraced(`${baseUrl}/things/t-4`, { "x-request-id": "trace-log-1" });
    await settle();
    const traceId = serverSpan("/things/:thingId").spanContext().traceId;
    const lines = logs.lines().filter((l) => l.requestId === "trace-log-1");
    assert.deepEqual(
      lines.map((l) => l.msg),
      ["loading thing", "request completed"],
    );
    for (const line of lines) assert.equal(line.traceId, traceId, line.msg);
  });

  it(
    "traces Redis commands as children of the request span, by command name only",
    { skip: redisService.skip },
    async () => {
      exporter.reset();
      await untraced(`${baseUrl}/things/t-5`);
      await settle();
      const redisSpan = childrenOf(serverSpan("/things/:thingId")).find((s) => s.name === "get");
      assert.ok(redisSpan, "a span for the GET command");
      assert.equal(redisSpan.kind, SpanKind.CLIENT);
      // The key (here tracing-test:t-5; in production rate-limit counters with user ids and IPs) stays out.
      assert.equal(String(redisSpan.attributes["db.statement"] ?? redisSpan.attributes["db.query.text"]), "get");
      assert.doesNotMatch(JSON.stringify(redisSpan.attributes), /t-5/);
    },
  );

  it(
    "traces PostgreSQL queries (pg through Kysely) as children of the request span",
    { skip: pgService.skip },
    async () => {
      exporter.reset();
      await untraced(`${baseUrl}/things/t-6`);
      await settle();
      const query = childrenOf(serverSpan("/things/:thingId")).find((s) => s.name.startsWith("pg.query"));
      assert.ok(
        query,
        `a pg.query span; got ${exporter
          .getFinishedSpans()
          .map((s) => s.name)
          .join(", ")}`,
      );
      assert.equal(query.kind, SpanKind.CLIENT);
      assert.match(
        String(query.attributes["db.statement"] ?? query.attributes["db.query.text"]),
        /select \$1::text as id/,
      );
      assert.doesNotMatch(JSON.stringify(query.attributes), /t-6/, "parameter values are not recorded");
    },
  );
});
