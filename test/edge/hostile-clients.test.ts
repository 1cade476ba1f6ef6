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
    assert.equal(((await refused.json()) as { code: string }).code, "rate_limit.exceeded");
    for (const raw of held) raw.socket.destroy();
    await sleep(300);
    assert.equal((await fetch(`${edge.nginx.url}/health`)).status, 200);
  });

  it("limits anonymous requests of one address to a burst of 100, not authenticated ones", async () => {
    // After the previous tests' requests have drained from the 20/s bucket.
    await sleep(6000);
    const anonymous: number[] = [];
    for (let i = 0; i < 140; i++) anonymous.push((await fetch(`${edge.nginx.url}/health`)).status);
    const limited = anonymous.filter((s) => s === 429).length;
    assert.ok(limited > 0 && limited < 40, `${limited} of 140 anonymous requests limited`);
    const authenticated: number[] = [];
    for (let i = 0; i < 140; i++) {
      const res = await fetch(`${edge.nginx.url}/health`, { headers: { authorization: "Bearer x" } });
      authenticated.push(res.status);
    }
    assert.equal(authenticated.filter((s) => s === 429).length, 0, "Rampart's own limits apply to callers it knows");
  });
});
