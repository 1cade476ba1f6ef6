import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadConfig } from "../../../src/config/load.ts";
import { buildTestApp } from "../../helpers/app.ts";
import { openRaw, writeAll } from "../../helpers/raw-socket.ts";

describe("connection timeouts", () => {
  it("defaults: 30 s per request, 10 s for headers, keep-alive 72 s (longer than a load balancer's 60 s idle)", async () => {
    const t = await buildTestApp();
    try {
      await t.app.ready();
      assert.equal(t.app.server.requestTimeout, 30_000);
      assert.equal(t.app.server.headersTimeout, 10_000);
      assert.equal(t.app.server.keepAliveTimeout, 72_000);
    } finally {
      await t.app.close();
    }
    assert.throws(() => loadConfig({ HEADERS_TIMEOUT_MS: "40000", REQUEST_TIMEOUT_MS: "30000" }), /HEADERS_TIMEOUT_MS/);
  });

  it("cuts off a slowloris client trickling headers byte by byte while serving another client", async () => {
    const t = await buildTestApp({ HEADERS_TIMEOUT_MS: "500", REQUEST_TIMEOUT_MS: "1000" });
    const address = await t.app.listen({ host: "127.0.0.1", port: 0 });
    try {
      const slow = await openRaw(address);
      await writeAll(slow.socket, "GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ");
      let trickled = 0;
      const trickle = setInterval(() => {
        trickled += 1;
        slow.socket.write("a");
      }, 50);
      try {
        // Meanwhile a normal client is served, more than once.
        for (let i = 0; i < 3; i++) {
          const res = await fetch(`${address}/health`);
          assert.equal(res.status, 200);
          await res.arrayBuffer();
          await new Promise((r) => setTimeout(r, 100));
        }
        await Promise.race([
          slow.closed,
          new Promise((_, reject) => setTimeout(() => reject(new Error("slowloris connection still open")), 5000)),
        ]);
      } finally {
        clearInterval(trickle);
      }
      assert.match(slow.received(), /^HTTP\/1\.1 408 /, "answered Request Timeout, then closed");
      assert.ok(trickled < 60, `cut off after ${trickled} trickled bytes (~${trickled * 50} ms)`);
    } finally {
      await t.app.close();
    }
  });

  it("closes an idle keep-alive connection after KEEP_ALIVE_TIMEOUT_MS, not before", async () => {
    const t = await buildTestApp({ KEEP_ALIVE_TIMEOUT_MS: "400" });
    const address = await t.app.listen({ host: "127.0.0.1", port: 0 });
    try {
      const raw = await openRaw(address);
      await writeAll(raw.socket, "GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n");
      assert.match(await raw.statusLine(), /^HTTP\/1\.1 200 /);
      await new Promise((r) => setTimeout(r, 150));
      assert.equal(raw.socket.destroyed, false, "still open while idle below the timeout");
      await Promise.race([
        raw.closed,
        new Promise((_, reject) => setTimeout(() => reject(new Error("idle connection never closed")), 3000)),
      ]);
    } finally {
      await t.app.close();
    }
  });
});
