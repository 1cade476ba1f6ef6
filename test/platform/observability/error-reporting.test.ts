import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { UnavailableError } from "../../../src/platform/errors/app-error.ts";
import { parseDsn, scrubSecrets } from "../../../src/platform/observability/sentry-reporter.ts";
import { buildTestApp, type TestApp } from "../../helpers/app.ts";

interface Received {
  readonly url: string;
  readonly headers: IncomingMessage["headers"];
  readonly body: string;
}

/** A local HTTP server standing in for Sentry's ingest endpoint. */
class FakeIngest {
  readonly received: Received[] = [];
  private readonly server: Server;
  private readonly waiters: (() => void)[] = [];
  /** When set, requests are held open until `release()`. */
  hold = false;
  private held: ServerResponse[] = [];

  constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        this.received.push({
          url: String(req.url),
          headers: req.headers,
          body: Buffer.concat(chunks).toString("utf8"),
        });
        for (const wake of this.waiters.splice(0)) wake();
        if (this.hold) this.held.push(res);
        else res.end('{"id":"x"}');
      });
    });
  }

  async start(): Promise<string> {
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
    return `http://public-key-1@127.0.0.1:${(this.server.address() as AddressInfo).port}/42`;
  }

  next(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    for (const res of this.held.splice(0)) res.end('{"id":"x"}');
  }

  async stop(): Promise<void> {
    this.release();
    this.server.closeAllConnections();
    this.server.close();
  }
}

interface SentEvent {
  event_id: string;
  environment: string;
  tags: Record<string, string>;
  exception: { values: { type: string; value: string; stacktrace: { frames: unknown[] } }[] };
}

function envelope(body: string): { header: Record<string, unknown>; item: Record<string, unknown>; event: SentEvent } {
  const [header = "", item = "", event = ""] = body.split("\n");
  return { header: JSON.parse(header), item: JSON.parse(item), event: JSON.parse(event) };
}

class LedgerError extends Error {}

async function postToLedger(): Promise<void> {
  // A tick queued before the continuation makes Node resume this function from `processTicksAndRejections`,
  // so that Node-internal frame sits between the thrower and its caller every run (CI saw it sometimes).
  await new Promise<void>((resolve) =>
    setImmediate(() => {
      process.nextTick(() => {});
      resolve();
    }),
  );
  // Like pg's DatabaseError: a class of its own whose `name` is the protocol's "error".
  throw Object.assign(new LedgerError("ledger row locked"), { name: "error" });
}

interface SentFrame {
  function?: string;
  filename: string;
  abs_path: string;
  in_app: boolean;
}

function addFailingRoutes(t: TestApp): void {
  t.app.post("/orders/:orderId/pay", { schema: { hide: true } as object }, async () => {
    throw new Error("card processor exploded at postgres://app:db-password-1@db.internal:5432/main");
  });
  t.app.get("/ledger", { schema: { hide: true } as object }, async () => {
    await postToLedger();
  });
  t.app.get("/dependency-down", { schema: { hide: true } as object }, async () => {
    throw new UnavailableError("cache.unavailable", "The cache is unavailable.");
  });
}

describe("error reporting to SENTRY_DSN", () => {
  const ingest = new FakeIngest();
  let t: TestApp;
  before(async () => {
    t = await buildTestApp({ SENTRY_DSN: await ingest.start(), ERROR_REPORT_TIMEOUT_MS: "300" });
    addFailingRoutes(t);
  });
  after(async () => {
    await t.app.close();
    await ingest.stop();
  });

  it("reports an unexpected 500 with request id and route, and nothing from the request", async () => {
    const arrived = ingest.next();
    const res = await t.app.inject({
      method: "POST",
      url: "/orders/ord_77/pay?access_token=query-secret-1",
      headers: {
        "x-request-id": "req-report-1",
        authorization: "Bearer header-secret-1",
        cookie: "session=cookie-secret-1",
        "content-type": "application/json",
      },
      payload: { password: "body-secret-1", card: "4111111111111111" },
    });
    assert.equal(res.statusCode, 500);
    assert.equal(res.json().code, "internal");
    await arrived;
    const sent = ingest.received.at(-1);
    assert.ok(sent);
    assert.equal(sent.url, "/api/42/envelope/");
    assert.match(String(sent.headers["x-sentry-auth"]), /sentry_key=public-key-1/);
    const { header, item, event } = envelope(sent.body);
    assert.equal(item.type, "event");
    assert.equal(header.event_id, event.event_id);
    assert.equal(event.tags.request_id, "req-report-1");
    assert.equal(event.tags.route, "/orders/:orderId/pay");
    assert.equal(event.tags.method, "POST");
    assert.equal(event.tags.status, "500");
    assert.equal(event.environment, "test");
    const [exception] = event.exception.values;
    assert.equal(exception?.type, "Error");
    assert.match(String(exception?.value), /^card processor exploded at postgres:\/\/\[REDACTED\]@db\.internal/);
    assert.ok(Number(exception?.stacktrace.frames.length) > 0);
    for (const leaked of [
      "header-secret-1",
      "cookie-secret-1",
      "body-secret-1",
      "query-secret-1",
      "db-password-1",
      "4111111111111111",
      "ord_77",
      "password",
      "authorization",
      "cookie",
    ]) {
      assert.ok(!sent.body.toLowerCase().includes(leaked.toLowerCase()), `report contains ${leaked}`);
    }
  });

  it("groups well: the error's class as its type, frames relative to the app root without V8's async prefix", async () => {
    const arrived = ingest.next();
    assert.equal((await t.app.inject({ method: "GET", url: "/ledger" })).statusCode, 500);
    await arrived;
    const { event } = envelope(ingest.received.at(-1)?.body ?? "");
    const [exception] = event.exception.values;
    assert.equal(exception?.type, "LedgerError", "the class, not its name 'error'");
    const frames = (exception?.stacktrace.frames ?? []) as SentFrame[];
    const thrower = frames.at(-1);
    assert.equal(thrower?.function, "postToLedger");
    assert.equal(thrower?.filename, "test/platform/observability/error-reporting.test.ts");
    // V8 wrote the handler's frame as "at async Object.<anonymous> (…)": the function, not a new one per await.
    // Between the two, V8 may or may not show Node's tick queue (`processTicksAndRejections`), depending on
    // whether the continuation ran from a nextTick drain: it is not the app's, so the caller is the nearest
    // in-app frame below the thrower.
    const caller = frames.slice(0, -1).findLast((frame) => frame.in_app);
    assert.equal(caller?.filename, thrower?.filename);
    assert.ok(caller?.function !== undefined && !caller.function.startsWith("async"), caller?.function);
    assert.equal(thrower?.abs_path, "app:///test/platform/observability/error-reporting.test.ts");
    assert.equal(thrower?.in_app, true);
    for (const frame of frames) {
      assert.ok(!frame.filename.startsWith("/") && !frame.filename.startsWith("file:"), frame.filename);
      assert.doesNotMatch(frame.function ?? "", /^async /);
      if (frame.filename.startsWith("node_modules/")) assert.equal(frame.in_app, false, frame.filename);
    }
  });

  it("does not report typed errors (a 503 while a dependency is down) or 4xx", async () => {
    const count = ingest.received.length;
    assert.equal((await t.app.inject({ url: "/dependency-down" })).statusCode, 503);
    assert.equal((await t.app.inject({ url: "/nowhere" })).statusCode, 404);
    const bad = await t.app.inject({
      method: "POST",
      url: "/orders/o/pay",
      headers: { "content-type": "application/json" },
      payload: "{not json",
    });
    assert.equal(bad.statusCode, 400);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(ingest.received.length, count);
  });

  it("answers before a hanging ingest does, then gives up after its timeout with one warning", async () => {
    ingest.hold = true;
    try {
      const arrived = ingest.next();
      const res = await t.app.inject({
        method: "POST",
        url: "/orders/o1/pay",
        headers: { "x-request-id": "req-hang" },
      });
      assert.equal(res.statusCode, 500);
      assert.equal(res.json().requestId, "req-hang");
      await arrived;
      // The report is still held open by the ingest: the response did not wait for it.
      const warnings = () => t.logs.lines().filter((l) => l.msg === "error report not delivered");
      for (let attempt = 0; attempt < 100 && warnings().length === 0; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal(warnings().length, 1);
      assert.doesNotMatch(t.logs.text(), /public-key-1/, "the DSN is never logged");
    } finally {
      ingest.hold = false;
      ingest.release();
    }
  });
});

describe("error reporting with the ingest down", () => {
  it("still answers the normal 500 problem when the ingest refuses connections", async () => {
    const t = await buildTestApp({ SENTRY_DSN: "http://public-key-2@127.0.0.1:1/7", ERROR_REPORT_TIMEOUT_MS: "500" });
    addFailingRoutes(t);
    try {
      const res = await t.app.inject({
        method: "POST",
        url: "/orders/o2/pay",
        headers: { "x-request-id": "req-down" },
      });
      assert.equal(res.statusCode, 500);
      assert.equal(res.json().code, "internal");
      assert.equal(res.json().requestId, "req-down");
    } finally {
      await t.app.close(); // waits for the failed report
    }
    assert.equal(t.logs.lines().filter((l) => l.msg === "error report not delivered").length, 1);
  });
});

describe("sentry reporter pieces", () => {
  it("derives the envelope endpoint from a DSN, with or without a path prefix", () => {
    assert.equal(
      parseDsn("https://k@o1.ingest.sentry.io/123", "c").envelopeUrl,
      "https://o1.ingest.sentry.io/api/123/envelope/",
    );
    assert.equal(
      parseDsn("https://k@host.example/sentry/9", "c").envelopeUrl,
      "https://host.example/sentry/api/9/envelope/",
    );
  });

  it("scrubs credentials inside error messages", () => {
    assert.equal(scrubSecrets("redis://:pw1@h:6379 down"), "redis://[REDACTED]@h:6379 down");
    assert.equal(scrubSecrets("got Bearer eyJabc.def"), "got Bearer [REDACTED]");
    assert.equal(scrubSecrets("password=hunter2 token: abc"), "password=[REDACTED] token: [REDACTED]");
  });
});
