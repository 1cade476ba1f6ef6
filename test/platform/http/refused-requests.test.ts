import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { buildTestApp, type TestApp } from "../../helpers/app.ts";
import { openRaw, writeAll } from "../../helpers/raw-socket.ts";

const MiB = 1024 * 1024;

/** Kinds of request Rampart refuses before reading the body, each followed by `bodyBytes` of body. */
export function refusedRequests(bodyBytes: number): { name: string; head: string }[] {
  const json = `Content-Type: application/json\r\nContent-Length: ${bodyBytes}\r\n`;
  return [
    {
      name: "a control byte in a header value",
      head: `POST /api/v1/companies HTTP/1.1\r\nHost: localhost\r\nX-Note: a\x01b\r\n${json}\r\n`,
    },
    { name: "a byte ≥ 0x80 in the path", head: `POST /api/v1/comp\xe9nies HTTP/1.1\r\nHost: localhost\r\n${json}\r\n` },
    {
      name: "a body far over the auth routes' limit",
      head: `POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\n${json}\r\n`,
    },
    {
      name: "a body over the auth routes' limit, chunked",
      head: `POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
    },
  ];
}

/**
 * Sends `head` then `bodyBytes` of body (chunked when the head says so), reading all along.
 * Resolves with what came back and how the connection ended: "end" (the server closed after
 * its answer) or "reset" (it destroyed the connection under a sender).
 */
export async function sendRefused(
  address: string,
  head: string,
  bodyBytes: number,
): Promise<{ response: string; ended: "end" | "reset"; sent: number }> {
  const raw = await openRaw(address, { allowHalfOpen: true });
  let ended: "end" | "reset" = "end";
  raw.socket.on("error", () => {
    ended = "reset";
  });
  const chunked = head.includes("Transfer-Encoding: chunked");
  await writeAll(raw.socket, Buffer.from(head, "latin1"));
  const piece = Buffer.alloc(64 * 1024, "a");
  let sent = 0;
  while (sent < bodyBytes) {
    const chunk = chunked ? Buffer.concat([Buffer.from("10000\r\n"), piece, Buffer.from("\r\n")]) : piece;
    if (!(await writeAll(raw.socket, chunk))) break;
    sent += piece.length;
  }
  if (chunked && sent >= bodyBytes) await writeAll(raw.socket, "0\r\n\r\n");
  raw.socket.end();
  await raw.closed;
  return { response: raw.received(), ended, sent };
}

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
