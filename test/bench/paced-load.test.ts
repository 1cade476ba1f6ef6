import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { responseEnd } from "../../bench/http1-pool.ts";
import { pacedLoad, percentile } from "../../bench/paced-load.ts";

// The bench's p99-at-half-rate figure (issue #21) comes from this generator; these tests show it
// measures what it claims: the rate it was asked for, and a server's stall in every request that
// was due during it, including those it could not send because its only connection was busy.

/** A server on a free loopback port answering with `handler`. */
async function serving(handler: Parameters<typeof createServer>[1]) {
  const server: Server = createServer(handler);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Blocks the server's event loop for stallMs once every periodMs, like a long GC or a sync call. */
function stallingServer(stallMs: number, periodMs: number, status: (answered: number) => number = () => 200) {
  let last = performance.now();
  let answered = 0;
  return serving((_request, response) => {
    const now = performance.now();
    if (stallMs > 0 && now - last >= periodMs) {
      last = now;
      while (performance.now() - now < stallMs) {}
    }
    response.statusCode = status(++answered);
    response.setHeader("content-type", "application/json");
    response.end('{"ok":true}');
  });
}

/** 100 requests measured over 1 s after a warm-up of 50, all on one connection: a stall holds up every request behind it. */
const HALF_SECOND_WARMUP_ONE_CONNECTION = { path: "/", rate: 100, seconds: 1, warmupSeconds: 0.5, connections: 1 };

/** Ten requests in the measured part and none before it (no warm-up, no lead-in): each one sent is counted. */
const TEN_REQUESTS_NOTHING_BEFORE = { path: "/", rate: 50, seconds: 0.2, warmupSeconds: 0, leadInSeconds: 0 };

describe("paced load (bench/paced-load.ts)", () => {
  it("sends exactly the requests due at the rate, and counts non-2xx answers apart", async () => {
    const { server, url } = await stallingServer(0, 1000, (n) => (n % 10 === 0 ? 503 : 200));
    try {
      const report = await pacedLoad({ url, path: "/", rate: 200, seconds: 2, warmupSeconds: 0.5, connections: 4 });
      assert.equal(report.errors, 0);
      assert.equal(report.requests + report.non2xx, 400, "every request due in the measured part is answered once");
      // One in ten answers is a 503 across warm-up and measured part together.
      assert.ok(report.non2xx >= 35 && report.non2xx <= 45, `non-2xx ${report.non2xx}`);
      assert.ok(report.p50 <= report.p99 && report.p99 <= report.max);
    } finally {
      server.close();
    }
  });

  it("counts latency from when a request was due: a stall shows in every request that waited behind it", async () => {
    // One connection: during each 80 ms stall the generator cannot send, so a measure from the
    // send would see one slow request per stall (0.5 % of them); from the due time, about 16 of
    // every 200 requests are late, so the p99 holds most of the stall.
    const { server, url } = await stallingServer(80, 1000);
    try {
      const report = await pacedLoad({ url, path: "/", rate: 200, seconds: 3, warmupSeconds: 0.5, connections: 1 });
      assert.equal(report.errors, 0);
      assert.equal(report.requests, 600);
      assert.ok(report.p99 >= 40, `p99 ${report.p99} ms must hold the 80 ms stalls`);
      assert.ok(report.max >= 75, `max ${report.max} ms must be a whole stall`);
    } finally {
      server.close();
    }
  });

  it("keeps a stall of the warm-up out of the measured part: it starts once the warm-up is all answered", async () => {
    // The first request stalls for 800 ms, past the 500 ms warm-up. On one schedule for both,
    // the requests due from 500 ms on would wait behind the warm-up's and read up to 300 ms.
    let stalled = false;
    const { server, url } = await serving((_request, response) => {
      if (!stalled) {
        stalled = true;
        const until = performance.now() + 800;
        while (performance.now() < until) {}
      }
      response.end("{}");
    });
    try {
      // No lead-in: it would take the backlog too, and this is the warm-up's own guarantee.
      const report = await pacedLoad({ ...HALF_SECOND_WARMUP_ONE_CONNECTION, url, leadInSeconds: 0 });
      assert.equal(report.requests, 100);
      assert.ok(report.max < 100, `max ${report.max} ms: the warm-up's stall reached the measured part`);
    } finally {
      server.close();
    }
  });

  it("keeps where the load starts again after the warm-up out of the figure: the lead-in is sent, not recorded", async () => {
    // The first request after the warm-up's 50 stalls for 80 ms. With a 300 ms lead-in every
    // request that waited behind it is in the lead-in; without one, the stall is the measured max.
    const firstAfterWarmup = (stallMs: number) => {
      let answered = 0;
      return serving((_request, response) => {
        if (++answered === 51) {
          const until = performance.now() + stallMs;
          while (performance.now() < until) {}
        }
        response.end("{}");
      });
    };
    const withLeadIn = await firstAfterWarmup(80);
    const withoutLeadIn = await firstAfterWarmup(80);
    try {
      const led = await pacedLoad({ ...HALF_SECOND_WARMUP_ONE_CONNECTION, url: withLeadIn.url, leadInSeconds: 0.3 });
      assert.equal(led.requests, 100, "the measured part is the 100 requests due after the lead-in");
      assert.ok(led.max < 40, `max ${led.max} ms: the restart's stall reached the measured part`);
      const unled = await pacedLoad({ ...HALF_SECOND_WARMUP_ONE_CONNECTION, url: withoutLeadIn.url, leadInSeconds: 0 });
      assert.equal(unled.requests, 100);
      assert.ok(unled.max >= 75, `max ${unled.max} ms: without a lead-in the stall is measured`);
    } finally {
      withLeadIn.server.close();
      withoutLeadIn.server.close();
    }
  });

  it("reads chunked answers and answers after which the server closes the connection", async () => {
    let answered = 0;
    const { server, url } = await serving((_request, response) => {
      answered++;
      if (answered % 3 === 0) response.setHeader("connection", "close");
      response.write('{"part":1,');
      response.end('"part2":true}');
    });
    try {
      const report = await pacedLoad({ url, path: "/", rate: 200, seconds: 0.5, warmupSeconds: 0, connections: 2 });
      assert.equal(report.errors, 0);
      assert.equal(report.requests, 100);
    } finally {
      server.close();
    }
  });

  it("sends a request once more on a fresh connection when a kept-alive one closes as it goes out", async () => {
    let received = 0;
    const { server, url } = await serving((request, response) => {
      // The third request finds its connection closed, as an idle one the server times out.
      if (++received === 3) {
        request.socket.destroy();
        return;
      }
      response.end("{}");
    });
    try {
      const report = await pacedLoad({ ...TEN_REQUESTS_NOTHING_BEFORE, url, connections: 1 });
      assert.equal(report.errors, 0);
      assert.equal(report.requests, 10);
      assert.equal(received, 11, "the closed one was sent again");
    } finally {
      server.close();
    }
  });

  it("finds where a response ends: by Content-Length, by the last chunk, or at its head", () => {
    const head = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
    assert.equal(responseEnd(Buffer.from(`${head}abc`)), -1);
    assert.equal(responseEnd(Buffer.from(`${head}abcdeHTTP/1.1`)), head.length + 5);
    const chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    assert.equal(responseEnd(Buffer.from(`${chunked}3\r\nabc\r\n`)), -1);
    assert.equal(responseEnd(Buffer.from(`${chunked}3\r\nabc\r\n0\r\n`)), -1);
    const whole = `${chunked}3\r\nabc\r\na\r\n0123456789\r\n0\r\n\r\n`;
    assert.equal(responseEnd(Buffer.from(`${whole}HTTP/1.1`)), whole.length);
    const empty = "HTTP/1.1 204 No Content\r\nDate: x\r\n\r\n";
    assert.equal(responseEnd(Buffer.from(empty)), empty.length);
    assert.equal(responseEnd(Buffer.from("HTTP/1.1 200 OK\r\nContent-Len")), -1);
  });

  it("sends a body with a fresh id in place of [<id>] in each request, as autocannon -I", async () => {
    const bodies: string[] = [];
    const { server, url } = await serving((request, response) => {
      let body = "";
      request.on("data", (chunk) => {
        body += chunk;
      });
      request.on("end", () => {
        bodies.push(body);
        response.end("{}");
      });
    });
    try {
      const body = '{"email":"[<id>]@example.test"}';
      const report = await pacedLoad({ ...TEN_REQUESTS_NOTHING_BEFORE, url, method: "POST", body });
      assert.equal(report.requests, 10);
      assert.equal(new Set(bodies).size, 10);
      for (const sent of bodies) assert.match(sent, /^\{"email":"[0-9a-f-]{36}@example\.test"\}$/);
    } finally {
      server.close();
    }
  });

  it("reports a connection refused as errors, not latencies", async () => {
    const { server, url } = await stallingServer(0, 1000);
    server.close();
    await once(server, "close");
    const report = await pacedLoad({ url, path: "/", rate: 100, seconds: 0.5, warmupSeconds: 0, connections: 2 });
    assert.equal(report.requests, 0);
    assert.equal(report.errors, 50);
  });

  it(
    "refuses a rate and duration under which no request is due, instead of waiting forever",
    { timeout: 5000 },
    async () => {
      for (const [rate, seconds] of [
        [0.5, 1],
        [0, 10],
        [Number.NaN, 10],
        [100, 0],
      ] as const) {
        await assert.rejects(
          pacedLoad({ url: "http://127.0.0.1:9", path: "/", rate, seconds, warmupSeconds: 0 }),
          (error: Error) => error instanceof RangeError && /no request due/.test(error.message),
          `${rate} req/s for ${seconds} s`,
        );
      }
    },
  );

  it("takes the nearest-rank percentile", () => {
    const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(sorted, 50), 50);
    assert.equal(percentile(sorted, 99), 99);
    assert.equal(percentile(sorted, 100), 100);
    assert.equal(percentile(Float64Array.of(7), 99), 7);
    assert.ok(Number.isNaN(percentile(new Float64Array(0), 99)));
  });
});
