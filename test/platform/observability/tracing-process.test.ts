import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startServerProcess } from "../../helpers/server-process.ts";

const REPORT_IMPORTS = `--import=${new URL("./fixtures/report-otel-imports.ts", import.meta.url).pathname}`;

describe("tracing in the server process", () => {
  it("is off by default and then loads no tracing module (only the no-op API prom-client requires)", async () => {
    const server = await startServerProcess({ NODE_OPTIONS: REPORT_IMPORTS });
    try {
      const res = await fetch(`${server.url}/.well-known/jwks.json`, { headers: { "x-request-id": "off-1" } });
      assert.equal(res.status, 200);
      assert.deepEqual(
        // prom-client requires @opentelemetry/api (no-op proxies, for exemplars) whatever we do.
        server.stderr.filter((l) => l.startsWith("otel-module") && !l.includes("/@opentelemetry/api/")),
        [],
      );
    } finally {
      server.child.kill("SIGTERM");
      assert.equal(await server.exited(), 0);
    }
    // Log lines are buffered until shutdown flushes them.
    const line = server.lines.find((l) => l.requestId === "off-1" && l.msg === "request completed");
    assert.ok(line);
    assert.equal(line.traceId, undefined);
  });

  it("with OTEL_EXPORTER_OTLP_ENDPOINT set (collector unreachable) traces requests and still serves and stops cleanly", async () => {
    const traceId = "0af7651916cd43dd8448eb211c80319c";
    const server = await startServerProcess({
      NODE_OPTIONS: REPORT_IMPORTS,
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:1",
    });
    try {
      const res = await fetch(`${server.url}/.well-known/jwks.json`, {
        headers: { "x-request-id": "on-1", traceparent: `00-${traceId}-b7ad6b7169203331-01` },
      });
      assert.equal(res.status, 200);
      assert.ok(server.stderr.some((l) => l.includes("/@opentelemetry/sdk-trace/")));
    } finally {
      server.child.kill("SIGTERM");
      const code = await server.exited();
      assert.equal(code, 0, JSON.stringify(server.lines.slice(-4)));
    }
    const line = server.lines.find((l) => l.requestId === "on-1" && l.msg === "request completed");
    assert.ok(line);
    assert.equal(line.traceId, traceId);
  });
});
