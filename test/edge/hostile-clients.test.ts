/**
 * Hostile clients against deploy/nginx.conf as shipped, in front of two
 * Rampart instances. No request takes an instance out of rotation, slow clients are cut at
 * the documented limits, a client cannot choose the host or its address.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { openRaw, writeAll } from "../helpers/raw-socket.ts";
import { refusedRequests, sendRefused } from "../helpers/refused-requests.ts";
import { PATH_VARIANTS, SMUGGLING_VARIANTS, sendAndCollect } from "../helpers/smuggling.ts";
import { nginxAvailability, type ShippedEdge, startShippedEdge } from "./shipped-edge.ts";

const MiB = 1024 * 1024;

/** What nginx writes when it counts an instance as failed, or has none left. */
const UPSTREAM_FAILURES = /upstream server temporarily disabled|no live upstreams|while sending request to upstream/;

describe("the shipped edge (deploy/nginx.conf) in front of two instances", nginxAvailability(), () => {
  let edge: ShippedEdge;
  before(async () => {
    edge = await startShippedEdge();
  });
  after(() => edge?.stop());

  it("answers requests the instances refuse early, with big bodies, many times; then serves 20 of 20 normal requests", async () => {
    const kinds = [
      ...refusedRequests(8 * MiB),
      {
        name: "three 6 KB headers",
        head: `POST /api/v1/companies HTTP/1.1\r\nHost: localhost\r\n${["X-A", "X-B", "X-C"].map((h) => `${h}: ${"h".repeat(6000)}\r\n`).join("")}Content-Type: application/json\r\nContent-Length: ${8 * MiB}\r\n\r\n`,
      },
    ];
    for (const { name, head } of kinds) {
      for (let i = 0; i < 4; i++) {
        const { response } = await sendRefused(edge.nginx.url, head, 8 * MiB);
        assert.match(response, /^HTTP\/1\.1 4\d\d /, `${name} (#${i + 1}) is refused with a 4xx, not a 502`);
        assert.match(response, /content-type: application\/problem\+json/i, `${name}: a problem document`);
      }
    }
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${edge.nginx.url}/health`);
      assert.equal(res.status, 200, `normal request ${i + 1} of 20`);
    }
    const log = await edge.errorLog();
    assert.doesNotMatch(log, UPSTREAM_FAILURES, "nginx never saw an instance fail");
  });

  it("frames every smuggling variant itself, failing none, and lets no path variant past authentication", async () => {
    // nginx re-frames each request it forwards (Content-Length to the instance), so an
    // instance never sees the client's framing; where nginx reads a variant leniently (a
    // bare LF in a chunk line) the hidden request is one more request of that client's.
    for (const { name, raw } of SMUGGLING_VARIANTS) {
      const received = await sendAndCollect(edge.nginx.url, raw);
      assert.match(received, /^HTTP\/1\.1 \d{3} /, `${name}: answered`);
      // 501 is nginx's answer to a transfer coding it does not know (RFC 9112 §6.1), not a failure.
      assert.doesNotMatch(received, /HTTP\/1\.1 50[02-9] /, `${name}: no failure`);
    }
    for (const path of PATH_VARIANTS) {
      const received = await sendAndCollect(
        edge.nginx.url,
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
      );
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1]);
      assert.ok([400, 401, 404, 414].includes(status), `${path}: ${status}`);
    }
    assert.doesNotMatch(await edge.errorLog(), UPSTREAM_FAILURES);
  });

  it("refuses a forwarded host that is not the request's own", async () => {
    const raw = await openRaw(edge.nginx.url);
    await writeAll(
      raw.socket,
      "GET /api/v1/auth/sessions HTTP/1.1\r\nHost: evil.example\r\nX-Forwarded-Host: rampart.test\r\nConnection: close\r\n\r\n",
    );
    await raw.closed;
    assert.match(raw.received(), /^HTTP\/1\.1 400 /);
    assert.match(raw.received(), /"code":"request\.untrusted_host"/);
  });

  it("names no version in its Server header", async () => {
    const res = await fetch(`${edge.nginx.url}/health`);
    assert.equal(res.headers.get("server"), "nginx");
  });

  it("cuts a client that trickles its headers after 10 s, and one that pauses its body for 10 s", async () => {
    const started = Date.now();
    const trickle = await openRaw(edge.nginx.url);
    const pause = await openRaw(edge.nginx.url);
    await writeAll(
      pause.socket,
      "POST /api/v1/companies HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
    );
    const header = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
    const trickling = (async () => {
      for (let i = 0; !trickle.socket.destroyed && Date.now() - started < 20_000; i++) {
        if (!(await writeAll(trickle.socket, header[i] ?? "s"))) break;
        await sleep(500);
      }
    })();
    const closedAfter = (raw: typeof trickle) => raw.closed.then(() => Date.now() - started);
    const [headersCut, bodyCut] = await Promise.all([closedAfter(trickle), closedAfter(pause)]);
    await trickling;
    for (const [what, ms] of [
      ["trickled headers", headersCut],
      ["paused body", bodyCut],
    ] as const) {
      assert.ok(ms >= 9_000 && ms < 13_000, `${what} cut after ${ms} ms`);
    }
  });

  it("answers 429 to the 65th connection of one address while 64 hold a request open", async () => {
    const held = await Promise.all(Array.from({ length: 64 }, () => openRaw(edge.nginx.url)));
    for (const raw of held) {
      await writeAll(
        raw.socket,
        "POST /api/v1/companies HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
      );
    }
    await sleep(300);
    const refused = await fetch(`${edge.nginx.url}/health`);
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get("content-type"), "application/problem+json");
    assert.equal(refused.headers.get("retry-after"), "1");
    assert.equal(((await refused.json()) as { code: string }).code, "rate_limit.exceeded");
    for (const raw of held) raw.socket.destroy();
    await sleep(300);
    assert.equal((await fetch(`${edge.nginx.url}/health`)).status, 200);
  });

  it("limits anonymous requests of one address to a burst of 100, not authenticated ones", async () => {
    // After the previous tests' requests have drained from the 20/s bucket.
    await sleep(6000);
    // In batches of 35 at once (under the 64 connections an address may hold), so the test
    // outruns the 20/s refill even on a busy machine.
    const burst = async (headers: Record<string, string>) => {
      const statuses: number[] = [];
      for (let batch = 0; batch < 6; batch++) {
        const answers = await Promise.all(
          Array.from({ length: 35 }, () => fetch(`${edge.nginx.url}/health`, { headers }).then((r) => r.status)),
        );
        statuses.push(...answers);
      }
      return statuses.filter((s) => s === 429).length;
    };
    const limited = await burst({});
    // 210 requests: the burst of 100 is honoured, and the rest outrun the refill.
    assert.ok(limited > 0 && limited <= 110, `${limited} of 210 anonymous requests limited`);
    assert.equal(await burst({ authorization: "Bearer x" }), 0, "Rampart's own limits apply to callers it knows");
    await sleep(6000);
    assert.equal(await burst({ "x-api-key": "rk_x" }), 0, "API keys too");
  });
});
