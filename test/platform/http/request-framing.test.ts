import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { buildTestApp, type TestApp } from "../../helpers/app.ts";
import { openRaw, writeAll } from "../../helpers/raw-socket.ts";

/** Sends `request` on a fresh connection; resolves with everything received once the server closes or 2 s pass. */
async function exchange(address: string, request: string | Buffer): Promise<{ text: string; closed: boolean }> {
  const raw = await openRaw(address);
  await writeAll(raw.socket, request);
  const closed = await Promise.race([
    raw.closed.then(() => true),
    new Promise<boolean>((r) => setTimeout(() => r(false), 2000)),
  ]);
  raw.socket.destroy();
  return { text: raw.received(), closed };
}

describe("request framing Rampart refuses when reached directly, as nginx does", () => {
  let t: TestApp;
  let address: string;
  before(async () => {
    t = await buildTestApp({ TRUSTED_HOSTS: "rampart.test" });
    address = await t.app.listen({ host: "127.0.0.1", port: 0 });
  });
  after(() => t.app.close());

  it("refuses two Host headers, even when the first is trusted", async () => {
    const { text } = await exchange(
      address,
      "GET /health HTTP/1.1\r\nHost: rampart.test\r\nHost: evil.example\r\nConnection: close\r\n\r\n",
    );
    assert.match(text, /^HTTP\/1\.1 400 /);
    assert.match(text, /"code":"request\.duplicate_host"/);
  });

  it("refuses an absolute-form target naming another host than Host", async () => {
    const { text } = await exchange(
      address,
      "GET http://evil.example/health HTTP/1.1\r\nHost: rampart.test\r\nConnection: close\r\n\r\n",
    );
    assert.match(text, /^HTTP\/1\.1 400 /);
    assert.match(text, /"code":"request\.host_mismatch"/);
  });

  it("serves an absolute-form target naming the Host's own host", async () => {
    const { text } = await exchange(
      address,
      "GET http://rampart.test/health HTTP/1.1\r\nHost: rampart.test\r\nConnection: close\r\n\r\n",
    );
    assert.match(text, /^HTTP\/1\.1 200 /);
  });

  it("refuses HTTP/1.0 with a chunked body and closes the connection", async () => {
    const { text, closed } = await exchange(
      address,
      "POST /api/v1/auth/login HTTP/1.0\r\nHost: rampart.test\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    );
    assert.match(text, /^HTTP\/1\.1 400 /);
    assert.match(text, /"code":"request\.malformed"/);
    assert.ok(closed, "the connection is closed after the answer");
  });

  it("answers a gzip-encoded JSON body with 415, not a parse error", async () => {
    const res = await t.app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      headers: { host: "rampart.test", "content-type": "application/json", "content-encoding": "gzip" },
      payload: gzipSync(JSON.stringify({ email: "a@example.test", password: "x" })),
    });
    assert.equal(res.statusCode, 415);
    assert.equal(res.json().code, "request.unsupported_media_type");
    assert.equal(res.headers["accept-encoding"], "identity");
  });
});
