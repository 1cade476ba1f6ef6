import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { createPostgresSchema } from "../../helpers/database.ts";
import { fakeCollector } from "../../helpers/otlp-collector.ts";
import { startServerProcess } from "../../helpers/server-process.ts";
import { postgres } from "../../helpers/services.ts";
import { waitFor } from "../../helpers/wait.ts";

const pgService = await postgres();

interface Frame {
  function?: string;
  filename: string;
  abs_path: string;
  in_app: boolean;
}

/** A Sentry-compatible ingest: keeps the events of the envelopes posted to it. */
function fakeIngest() {
  const events: Record<string, unknown>[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const [, , event] = Buffer.concat(chunks).toString("utf8").split("\n");
      if (event) events.push(JSON.parse(event) as Record<string, unknown>);
      res.end('{"id":"x"}');
    });
  });
  return {
    events,
    async start() {
      server.listen(0, "127.0.0.1");
      await once(server, "listening");
      return `http://public-key@127.0.0.1:${(server.address() as AddressInfo).port}/7`;
    },
    stop: () => server.close(),
  };
}

/**
 * A database error in a real server process, as an operator meets one: a table gone from
 * under the running code. Its report must group by the error's class, read the same on
 * every host, and lead to the request's trace.
 */
describe("an error report from a real server process", { skip: pgService.skip }, () => {
  let schema: Awaited<ReturnType<typeof createPostgresSchema>>;
  const ingest = fakeIngest();
  const collector = fakeCollector();
  before(async () => {
    schema = await createPostgresSchema();
  });
  after(async () => {
    ingest.stop();
    collector.stop();
    await schema?.dropSchema();
  });

  it("carries the class name (DatabaseError), app-relative frames without 'async ', and the trace id", async () => {
    const server = await startServerProcess(
      {
        DATABASE_URL: schema.url,
        SENTRY_DSN: await ingest.start(),
        OTEL_EXPORTER_OTLP_ENDPOINT: await collector.start(),
      },
      60_000,
    );
    const traceId = "9f2c1a7b3d4e5f60718293a4b5c6d7e8";
    try {
      const client = new pg.Client({ connectionString: schema.url });
      await client.connect();
      await client.query("alter table users rename to users_moved");
      await client.end();
      const res = await fetch(`${server.url}/api/v1/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json", traceparent: `00-${traceId}-1a2b3c4d5e6f7081-01` },
        body: JSON.stringify({ email: "someone@example.com", password: "correct horse battery" }),
      });
      assert.equal(res.status, 500);
      await waitFor(async () => ingest.events.length > 0, 10_000, "the error report");
    } finally {
      server.child.kill("SIGTERM");
      assert.equal(await server.exited(), 0);
    }
    const event = ingest.events[0] as {
      contexts?: { trace?: { trace_id?: string; span_id?: string } };
      exception: { values: { type: string; value: string; stacktrace: { frames: Frame[] } }[] };
    };
    const [exception] = event.exception.values;
    assert.equal(exception?.type, "DatabaseError");
    assert.match(exception?.value ?? "", /relation "users" does not exist/);
    assert.equal(event.contexts?.trace?.trace_id, traceId);
    assert.match(event.contexts?.trace?.span_id ?? "", /^[0-9a-f]{16}$/);
    const frames = exception?.stacktrace.frames ?? [];
    assert.ok(frames.length > 0);
    for (const frame of frames) {
      assert.ok(!frame.filename.startsWith("/") && !frame.filename.startsWith("file:"), frame.filename);
      assert.doesNotMatch(frame.function ?? "", /^async /);
    }
    assert.ok(
      frames.some((f) => f.filename.startsWith("node_modules/") && !f.in_app),
      `pg's own frames, relative and not in-app: ${frames.map((f) => f.filename).join(", ")}`,
    );
  });
});
