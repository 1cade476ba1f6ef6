import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { createPostgresSchema } from "../../helpers/database.ts";
import { CLIENT, fakeCollector, type OtlpSpan, SERVER } from "../../helpers/otlp-collector.ts";
import { startServerProcess } from "../../helpers/server-process.ts";
import { postgres, redis } from "../../helpers/services.ts";

const pgService = await postgres();
const redisService = await redis();

const SECRET = "secret-token-0123456789";
const text = (span: OtlpSpan, key: string): string | undefined => {
  const value = span.attributes.find((a) => a.key === key)?.value.stringValue;
  return typeof value === "string" ? value : undefined;
};
const isRoot = (span: OtlpSpan) => span.parentSpanId === undefined || span.parentSpanId === "";

/**
 * What an operator pays for and what leaves the process: an in-test OTLP collector receives
 * the spans of a real server process on PostgreSQL and Redis.
 */
describe("tracing policy", { skip: pgService.skip || redisService.skip }, () => {
  let schema: Awaited<ReturnType<typeof createPostgresSchema>>;
  before(async () => {
    schema = await createPostgresSchema();
  });
  after(() => schema?.dropSchema());

  async function traced(env: Record<string, string>, work: (url: string) => Promise<void>): Promise<OtlpSpan[]> {
    const collector = fakeCollector();
    const server = await startServerProcess(
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: await collector.start(),
        DATABASE_URL: schema.url,
        REDIS_URL: String(redisService.url),
        // A poll every 100 ms: ten chances a second for background work to open a trace.
        PLATFORM_STATE_POLL_MS: "100",
        ...env,
      },
      60_000,
    );
    try {
      await work(server.url);
    } finally {
      // Spans leave in batches; shutdown flushes the last one.
      server.child.kill("SIGTERM");
      assert.equal(await server.exited(), 0);
      collector.stop();
    }
    return collector.spans();
  }

  it("starts no trace for background work, strips query strings, and names Redis commands without their keys", async () => {
    const spans = await traced({}, async (url) => {
      await sleep(1500); // idle: only the platform-state poll and pool housekeeping run
      // Rate-limited routes: their Redis counters are keyed by client IP (anonymous) or user.
      assert.equal((await fetch(`${url}/api/v1/users/me?token=${SECRET}`)).status, 401);
      assert.equal((await fetch(`${url}/no-such-route?token=${SECRET}&email=a%40example.com`)).status, 404);
      assert.equal((await fetch(`${url}/health/ready?token=${SECRET}`)).status, 200);
    });
    const roots = spans.filter(isRoot);
    assert.deepEqual(
      roots.filter((s) => s.kind !== SERVER).map((s) => s.name),
      [],
      "every trace starts at an incoming request",
    );
    assert.equal(roots.length, 3, `one trace per request; got ${roots.map((s) => s.name).join(", ")}`);

    for (const span of spans)
      for (const attribute of span.attributes) {
        const value = JSON.stringify(attribute.value);
        assert.doesNotMatch(value, new RegExp(SECRET), `${span.name} ${attribute.key}`);
        assert.doesNotMatch(value, /token=|example\.com/, `${span.name} ${attribute.key}`);
      }
    const notFound = roots.find((s) => text(s, "url.path") === "/no-such-route");
    assert.ok(notFound, "the 404 is traced, by its path");
    assert.equal(text(notFound, "url.query"), undefined);

    const redisSpans = spans.filter(
      (s) => s.kind === CLIENT && (text(s, "db.system.name") ?? text(s, "db.system")) === "redis",
    );
    assert.ok(redisSpans.length > 0, `Redis spans; got ${spans.map((s) => s.name).join(", ")}`);
    for (const span of redisSpans) {
      const statement = text(span, "db.query.text") ?? text(span, "db.statement");
      if (statement !== undefined) assert.match(statement, /^[a-z]+$/i, `only the command: ${statement}`);
      assert.doesNotMatch(JSON.stringify(span.attributes), /rampart:|rl:/);
    }
  });

  it("honours OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG: a ratio of 0 keeps only the traces a caller sampled", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const spans = await traced(
      { OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "0" },
      async (url) => {
        for (let i = 0; i < 5; i++) assert.equal((await fetch(`${url}/.well-known/jwks.json`)).status, 200);
        const res = await fetch(`${url}/health/ready`, {
          headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
        });
        assert.equal(res.status, 200);
      },
    );
    assert.ok(spans.length > 0, "the caller's sampled trace is kept");
    assert.deepEqual([...new Set(spans.map((s) => s.traceId))], [traceId], "no other trace");

    const none = await traced({ OTEL_TRACES_SAMPLER: "always_off" }, async (url) => {
      const res = await fetch(`${url}/health/ready`, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
      assert.equal(res.status, 200);
    });
    assert.deepEqual(none, []);
  });
});
