import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { buildTestApp, type TestApp } from "../../helpers/app.ts";
import { openRaw, writeAll } from "../../helpers/raw-socket.ts";
import { refusedRequests, sendRefused } from "../../helpers/refused-requests.ts";

const MiB = 1024 * 1024;

describe("a request refused before its body is read", () => {
  let t: TestApp;
  let address: string;
  before(async () => {
    t = await buildTestApp();
    address = await t.app.listen({ host: "127.0.0.1", port: 0 });
  });
  after(() => t.app.close());

  for (const { name, head } of refusedRequests(8 * MiB)) {
    it(`answers ${name} with a problem and reads the rest of an 8 MiB body before closing`, async () => {
      const { response, ended, sent } = await sendRefused(address, head, 8 * MiB);
      assert.match(response, /^HTTP\/1\.1 4\d\d /);
      assert.match(response, /content-type: application\/problem\+json/i);
      assert.match(response, /"code":"request\.(malformed|body_too_large)"/);
      assert.equal(ended, "end", "the connection was closed, not reset under the sender");
      assert.equal(sent, 8 * MiB, "the whole body could be sent");
    });
  }

  it("answers oversized headers (three of 6 KB) with a 431 problem", async () => {
    const raw = await openRaw(address);
    const big = (name: string) => `${name}: ${"b".repeat(6000)}\r\n`;
    await writeAll(
      raw.socket,
      `GET /health HTTP/1.1\r\nHost: localhost\r\n${big("X-A")}${big("X-B")}${big("X-C")}\r\n`,
    );
    await raw.closed;
    assert.match(raw.received(), /^HTTP\/1\.1 431 /);
    assert.match(raw.received(), /"code":"request\.headers_too_large"/);
  });

  it("still serves normal requests afterwards", async () => {
    for (let i = 0; i < 5; i++) assert.equal((await fetch(`${address}/health`)).status, 200);
  });
});
