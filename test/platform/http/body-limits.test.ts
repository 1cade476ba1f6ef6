import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Type } from "@sinclair/typebox";
import { buildTestApp, type TestApp } from "../../helpers/app.ts";
import { openRaw, writeAll } from "../../helpers/raw-socket.ts";

const MiB = 1024 * 1024;

describe("body limits over a real socket", () => {
  let t: TestApp;
  let address: string;
  before(async () => {
    // Default BODY_LIMIT (10 MiB); a short request timeout bounds the lying-length case.
    t = await buildTestApp({ REQUEST_TIMEOUT_MS: "1500", HEADERS_TIMEOUT_MS: "1000" });
    t.app.post(
      "/test/upload",
      {
        config: { access: "public" },
        schema: {
          operationId: "upload",
          tags: ["test"],
          body: Type.Object({ data: Type.String() }),
          response: { 200: Type.Object({ length: Type.Integer() }) },
        },
      },
      async (request) => ({ length: (request.body as { data: string }).data.length }),
    );
    t.app.post(
      "/test/login",
      {
        config: { access: "public" },
        bodyLimit: t.config.AUTH_BODY_LIMIT,
        schema: {
          operationId: "testLogin",
          tags: ["test"],
          body: Type.Object({ password: Type.String() }),
          response: { 200: Type.Object({}) },
        },
      },
      async () => ({}),
    );
    address = await t.app.listen({ host: "127.0.0.1", port: 0 });
  });
  after(() => t.app.close());

  const head = (extra: string) =>
    `POST /test/upload HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n${extra}\r\n`;

  it("answers an 11 MiB chunked body without Content-Length with a 413 problem", async () => {
    const raw = await openRaw(address);
    await writeAll(raw.socket, head("Transfer-Encoding: chunked\r\n"));
    await writeAll(raw.socket, '5\r\n{"dat\r\n');
    const chunk = Buffer.alloc(64 * 1024, "a");
    let sent = 0;
    while (sent < 11 * MiB && !raw.received().includes("\r\n")) {
      if (!(await writeAll(raw.socket, Buffer.concat([Buffer.from("10000\r\n"), chunk, Buffer.from("\r\n")])))) break;
      sent += chunk.length;
    }
    assert.match(await raw.statusLine(), /^HTTP\/1\.1 413 /);
    // Without a Content-Length the server can only know after counting: it read past 10 MiB, not much further.
    assert.ok(sent > 10 * MiB - chunk.length && sent <= 11 * MiB, `sent ${sent} bytes`);
    await new Promise((r) => setTimeout(r, 50));
    assert.match(raw.received(), /content-type: application\/problem\+json/i);
    assert.match(raw.received(), /"code":"request.body_too_large"/);
    raw.socket.destroy();
  });

  it("answers a declared Content-Length over the limit with 413 before any body is sent", async () => {
    const raw = await openRaw(address);
    await writeAll(raw.socket, head(`Content-Length: ${11 * MiB}\r\n`));
    assert.match(await raw.statusLine(), /^HTTP\/1\.1 413 /);
    raw.socket.destroy();
  });

  it("accepts a 9 MiB chunked body, under the limit", async () => {
    const res = await fetch(`${address}/test/upload`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      // A stream body makes fetch send it chunked, without Content-Length.
      body: new Blob([JSON.stringify({ data: "a".repeat(9 * MiB) })]).stream(),
      duplex: "half",
    } as RequestInit);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { length: 9 * MiB });
  });

  it("cuts off a Content-Length that promises more than is sent, and keeps serving others", async () => {
    const raw = await openRaw(address);
    await writeAll(raw.socket, `${head("Content-Length: 1000\r\n")}{"data":"short"}`);
    const other = await fetch(`${address}/health`);
    assert.equal(other.status, 200, "another client is served while the liar waits");
    await Promise.race([
      raw.closed,
      new Promise((_, reject) => setTimeout(() => reject(new Error("server still waiting")), 5000)),
    ]);
    assert.match(raw.received(), /^HTTP\/1\.1 408 /);
  });

  it("reads no further than a Content-Length shorter than the body, and closes the connection", async () => {
    const raw = await openRaw(address);
    await writeAll(raw.socket, `${head("Content-Length: 10\r\n")}{"data":"this is longer than ten bytes"}`);
    // The first 10 bytes are the whole body (invalid JSON); the rest is not a valid next
    // request, so the connection is answered 400 and closed — nothing is accepted.
    assert.match(await raw.statusLine(), /^HTTP\/1\.1 400 /);
    await Promise.race([
      raw.closed,
      new Promise((_, reject) => setTimeout(() => reject(new Error("connection left open")), 3000)),
    ]);
    assert.doesNotMatch(raw.received(), /HTTP\/1\.1 200 /);
  });

  it("limits auth routes to AUTH_BODY_LIMIT (16 KiB)", async () => {
    assert.equal(t.config.AUTH_BODY_LIMIT, 16 * 1024);
    const small = await t.app.inject({ method: "POST", url: "/test/login", payload: { password: "p".repeat(15_000) } });
    assert.equal(small.statusCode, 200);
    const big = await t.app.inject({ method: "POST", url: "/test/login", payload: { password: "p".repeat(17_000) } });
    assert.equal(big.statusCode, 413);
    assert.equal(big.json().code, "request.body_too_large");
    // The same body is fine on a route with the general limit.
    const general = await t.app.inject({ method: "POST", url: "/test/upload", payload: { data: "p".repeat(17_000) } });
    assert.equal(general.statusCode, 200);
  });
});
