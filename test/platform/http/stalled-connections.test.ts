import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Type } from "@sinclair/typebox";
import { buildTestApp, type TestApp } from "../../helpers/app.ts";
import { openRaw, writeAll } from "../../helpers/raw-socket.ts";

// Larger than what loopback's socket buffers take in at once, so part of it waits in Node
// for the client to read.
const LARGE = "x".repeat(12 * 1024 * 1024);
const openConnections = (t: TestApp) =>
  new Promise<number>((resolve) => t.app.server.getConnections((_error, count) => resolve(count)));

// REQUEST_TIMEOUT_MS 500: a connection whose answer stops going out is closed after 1 s.
describe("connections whose answer stops going out (Rampart reached directly)", () => {
  let t: TestApp;
  let address: string;
  before(async () => {
    t = await buildTestApp({ REQUEST_TIMEOUT_MS: "500", HEADERS_TIMEOUT_MS: "400", KEEP_ALIVE_TIMEOUT_MS: "10000" });
    t.app.get(
      "/test/large",
      {
        config: { access: "public" },
        schema: { operationId: "testLarge", tags: ["test"], response: { 200: Type.Object({ data: Type.String() }) } },
      },
      async () => ({ data: LARGE }),
    );
    address = await t.app.listen({ host: "127.0.0.1", port: 0 });
  });
  after(() => t.app.close());

  it("keeps a client that reads slowly, for longer than the stall limit, until it has the whole answer", async () => {
    const raw = await openRaw(address);
    let received = 0;
    raw.socket.on("data", (chunk: Buffer) => {
      received += chunk.length;
      // One chunk at a time, 15 ms apart: the 12 MB take seconds to read.
      raw.socket.pause();
      setTimeout(() => raw.socket.resume(), 15).unref();
    });
    const started = performance.now();
    await writeAll(raw.socket, "GET /test/large HTTP/1.1\r\nHost: localhost\r\n\r\n");
    while (received < LARGE.length && !raw.socket.destroyed) await sleep(50);
    assert.ok(received > LARGE.length, `received ${received} bytes before the connection closed`);
    assert.ok(performance.now() - started > 1500, "the read lasted longer than the stall limit");
    assert.equal(raw.socket.destroyed, false);
    raw.socket.destroy();
  });

  it("keeps an idle keep-alive connection past the stall limit (closing it is the keep-alive timeout's)", async () => {
    const raw = await openRaw(address);
    await writeAll(raw.socket, "GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n");
    assert.match(await raw.statusLine(), /^HTTP\/1\.1 200 /);
    await sleep(2000);
    assert.equal(raw.socket.destroyed, false);
    assert.equal(await openConnections(t), 1);
    raw.socket.destroy();
  });

  it("closes a connection whose client stops reading mid-answer, about a second after it stops", async () => {
    const raw = await openRaw(address);
    raw.socket.pause();
    await writeAll(raw.socket, "GET /test/large HTTP/1.1\r\nHost: localhost\r\n\r\n");
    const started = performance.now();
    // The paused client cannot see the close: the server's count of connections does.
    while ((await openConnections(t)) > 0 && performance.now() - started < 5000) await sleep(50);
    const tookMs = performance.now() - started;
    assert.equal(await openConnections(t), 0, "the stalled connection is still open");
    assert.ok(tookMs >= 900, `closed after ${tookMs.toFixed(0)} ms, before the stall limit`);
    raw.socket.destroy();
  });
});
