import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Type } from "@sinclair/typebox";
import { MAX_QUEUED_REQUESTS } from "../../../src/platform/http/pipelining.ts";
import { buildTestApp, type TestApp } from "../../helpers/app.ts";
import { openRaw, writeAll } from "../../helpers/raw-socket.ts";
import { waitFor } from "../../helpers/wait.ts";

const BIG = "x".repeat(400 * 1024);

describe("pipelined requests on one connection (Rampart reached directly)", () => {
  let t: TestApp;
  let address: string;
  const applied: number[] = [];
  let bigAnswers = 0;
  before(async () => {
    t = await buildTestApp({ REQUEST_TIMEOUT_MS: "1500", HEADERS_TIMEOUT_MS: "1000" });
    t.app.post(
      "/test/append",
      {
        config: { access: "public" },
        schema: {
          operationId: "testAppend",
          tags: ["test"],
          body: Type.Object({ n: Type.Integer() }),
          response: { 200: Type.Object({ n: Type.Integer(), position: Type.Integer() }) },
        },
      },
      async (request) => {
        const { n } = request.body as { n: number };
        // Later requests finish first if they run at once.
        await sleep(40 - 4 * (n % 10));
        applied.push(n);
        return { n, position: applied.length };
      },
    );
    t.app.get(
      "/test/big",
      {
        config: { access: "public" },
        schema: { operationId: "testBig", tags: ["test"], response: { 200: Type.Object({ data: Type.String() }) } },
      },
      async () => {
        bigAnswers++;
        return { data: BIG };
      },
    );
    address = await t.app.listen({ host: "127.0.0.1", port: 0 });
  });
  after(() => t.app.close());

  const post = (n: number) => {
    const body = JSON.stringify({ n });
    return `POST /test/append HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  };

  it("applies pipelined writes one after the other, in the order sent, each answer its own", async () => {
    applied.length = 0;
    const raw = await openRaw(address);
    await writeAll(raw.socket, Array.from({ length: 10 }, (_, n) => post(n)).join(""));
    await waitFor(async () => (raw.received().match(/HTTP\/1\.1 200 /g) ?? []).length === 10, 10_000, "10 answers");
    assert.deepEqual(applied, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const bodies = [...raw.received().matchAll(/\{"n":(\d+),"position":(\d+)\}/g)].map((m) => [
      Number(m[1]),
      Number(m[2]),
    ]);
    assert.deepEqual(
      bodies,
      applied.map((n, i) => [n, i + 1]),
      "answers in order, each for its own request",
    );
    raw.socket.destroy();
  });

  it("holds bounded memory for clients that pipeline 150 requests and never read", async () => {
    bigAnswers = 0;
    const rssBefore = process.memoryUsage().rss;
    const connections = await Promise.all(Array.from({ length: 3 }, () => openRaw(address)));
    for (const raw of connections) {
      raw.socket.pause();
      await writeAll(raw.socket, "GET /test/big HTTP/1.1\r\nHost: localhost\r\n\r\n".repeat(150));
    }
    await sleep(1500);
    const grownMb = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
    // Each connection got at most the answer in progress and those queued before it was closed.
    assert.ok(bigAnswers <= 3 * (MAX_QUEUED_REQUESTS + 1), `${bigAnswers} answers of 400 KB produced`);
    assert.ok(grownMb < 60, `RSS grew ${grownMb.toFixed(0)} MB`);
    for (const raw of connections) raw.socket.destroy();
  });

  it("closes a connection that stops reading its answers", async () => {
    const raw = await openRaw(address);
    raw.socket.pause();
    await writeAll(raw.socket, "GET /test/big HTTP/1.1\r\nHost: localhost\r\n\r\n".repeat(MAX_QUEUED_REQUESTS));
    // Nothing moves on it: closed after twice REQUEST_TIMEOUT_MS of inactivity, not held while the client stays.
    await waitFor(
      async () => (await new Promise<number>((r) => t.app.server.getConnections((_e, n) => r(n)))) === 0,
      12_000,
      "the stalled connection to close",
    );
    raw.socket.destroy();
  });

  it(`closes a connection with more than ${MAX_QUEUED_REQUESTS} requests waiting behind the one being answered`, async () => {
    const raw = await openRaw(address);
    raw.socket.pause();
    await writeAll(raw.socket, "GET /test/big HTTP/1.1\r\nHost: localhost\r\n\r\n".repeat(MAX_QUEUED_REQUESTS + 10));
    raw.socket.resume();
    await Promise.race([raw.closed, sleep(2000).then(() => assert.fail("connection still open"))]);
    assert.ok((raw.received().match(/HTTP\/1\.1 200 /g) ?? []).length <= MAX_QUEUED_REQUESTS + 1);
  });
});
