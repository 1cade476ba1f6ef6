import assert from "node:assert/strict";
import { createServer as createHttpServer } from "node:http";
import { createServer, type Server } from "node:net";
import { after, before, describe, it } from "node:test";
import { postOnce } from "../../../src/modules/webhooks/outbound.ts";
import { isBlockedAddress, type Resolver, systemResolver } from "../../../src/modules/webhooks/ssrf.ts";
import { enginesUnderTest } from "../../helpers/database.ts";
import { type IdentityHarness, identityHarness } from "../../helpers/identity.ts";
import { createCompany, newUser } from "../../helpers/tenancy.ts";

/** A loopback socket that counts the connections it sees: the proof that none was made. */
async function sentinel(): Promise<{ server: Server; port: number; connections: () => number }> {
  let count = 0;
  const server = createServer((socket) => {
    count++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as { port: number }).port, connections: () => count };
}

const post = (url: string, options: { allowPrivate?: boolean; resolve?: Resolver } = {}) =>
  postOnce({
    url,
    headers: { "content-type": "application/json" },
    body: "{}",
    timeoutMs: 2000,
    allowPrivate: options.allowPrivate ?? false,
    resolve: options.resolve ?? systemResolver,
  });

describe("webhook targets are SSRF-safe", () => {
  let guard: Awaited<ReturnType<typeof sentinel>>;
  before(async () => {
    guard = await sentinel();
  });
  after(() => new Promise<void>((resolve) => guard.server.close(() => resolve())));

  it("classifies loopback, private, link-local, metadata, unspecified and mapped addresses as blocked", () => {
    for (const address of [
      "127.0.0.1",
      "127.8.9.10",
      "10.0.0.1",
      "172.16.5.4",
      "192.168.1.1",
      "169.254.169.254",
      "100.100.100.200",
      "0.0.0.0",
      "::",
      "::1",
      "fe80::1",
      "fc00::1",
      "fd00:ec2::254",
      "::ffff:127.0.0.1",
      "::ffff:7f00:1",
      "::ffff:169.254.169.254",
      "64:ff9b::a00:1",
      "not-an-address",
    ]) {
      assert.equal(isBlockedAddress(address), true, address);
    }
    for (const address of ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"]) {
      assert.equal(isBlockedAddress(address), false, address);
    }
  });

  it("refuses 127.0.0.1, 10.0.0.1, 169.254.169.254, localhost and a name resolving to loopback, connecting to none", async () => {
    const toLoopback: Resolver = async () => [{ address: "127.0.0.1", family: 4 }];
    const cases: [string, Resolver | undefined][] = [
      [`http://127.0.0.1:${guard.port}/hook`, undefined],
      ["http://10.0.0.1/hook", undefined],
      ["http://169.254.169.254/latest/meta-data/", undefined],
      [`http://localhost:${guard.port}/hook`, undefined],
      [`http://[::ffff:127.0.0.1]:${guard.port}/hook`, undefined],
      [`http://[::1]:${guard.port}/hook`, undefined],
      [`https://rebind.example.test:${guard.port}/hook`, toLoopback],
      // One public and one loopback answer: refused whichever the OS would pick.
      [
        `http://mixed.example.test:${guard.port}/hook`,
        async () => [
          { address: "93.184.216.34", family: 4 },
          { address: "127.0.0.1", family: 4 },
        ],
      ],
    ];
    for (const [url, resolve] of cases) {
      const outcome = await post(url, resolve ? { resolve } : {});
      assert.equal(outcome.kind, "refused", `${url}: ${JSON.stringify(outcome)}`);
      assert.match((outcome as { error: string }).error, /non-public/);
    }
    assert.equal(guard.connections(), 0, "no connection reached the loopback listener");
  });

  it("refuses other schemes and credentials in the URL", async () => {
    for (const url of ["ftp://example.com/x", "file:///etc/passwd", "http://user:pw@example.com/"]) {
      assert.equal((await post(url)).kind, "refused", url);
    }
  });

  it("does not follow a redirect to loopback", async () => {
    const redirector = createHttpServer((_req, res) => {
      res.writeHead(302, { location: `http://127.0.0.1:${guard.port}/internal` }).end();
    });
    await new Promise<void>((resolve) => redirector.listen(0, "127.0.0.1", resolve));
    try {
      const port = (redirector.address() as { port: number }).port;
      // The redirector itself is local, so only it is allowed; the redirect must not be followed.
      const outcome = await post(`http://127.0.0.1:${port}/hook`, { allowPrivate: true });
      assert.equal(outcome.kind, "refused");
      assert.equal((outcome as { status: number }).status, 302);
      assert.equal(guard.connections(), 0, "the redirect target saw no connection");
    } finally {
      await new Promise<void>((resolve) => redirector.close(() => resolve()));
    }
  });

  it("connects to the address it checked (no second DNS lookup), keeping the URL's host name", async () => {
    let host = "";
    const receiver = createHttpServer((req, res) => {
      host = String(req.headers.host);
      res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    try {
      const port = (receiver.address() as { port: number }).port;
      let lookups = 0;
      const resolve: Resolver = async () => {
        lookups++;
        return [{ address: "127.0.0.1", family: 4 }];
      };
      const outcome = await post(`http://pinned.invalid:${port}/hook`, { allowPrivate: true, resolve });
      assert.equal(outcome.kind, "delivered", JSON.stringify(outcome));
      assert.equal(lookups, 1);
      assert.equal(host, `pinned.invalid:${port}`);
    } finally {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });

  it("reads at most 64 KiB of an answer and gives up after the timeout", async () => {
    const receiver = createHttpServer((req, res) => {
      if (req.url === "/slow") return; // never answers
      res.writeHead(200);
      const chunk = Buffer.alloc(16 * 1024, 97);
      // An endless body: the sender must stop reading.
      const pump = () => {
        while (res.write(chunk)) {}
        res.once("drain", pump);
      };
      pump();
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    try {
      const port = (receiver.address() as { port: number }).port;
      const big = await post(`http://127.0.0.1:${port}/big`, { allowPrivate: true });
      assert.equal(big.kind, "delivered");
      const started = Date.now();
      const slow = await postOnce({
        url: `http://127.0.0.1:${port}/slow`,
        headers: {},
        body: "{}",
        timeoutMs: 300,
        allowPrivate: true,
        resolve: systemResolver,
      });
      assert.equal(slow.kind, "retry");
      assert.match((slow as { error: string }).error, /timed out/);
      assert.ok(Date.now() - started < 2000);
    } finally {
      receiver.closeAllConnections();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });
});

describe("the endpoints API refuses non-public URLs with the allow flag off", () => {
  let h: IdentityHarness;
  before(async () => {
    const [sqlite] = await enginesUnderTest();
    assert.ok(sqlite);
    h = await identityHarness(sqlite);
  });
  after(() => h.close());

  it("answers 422 webhook.invalid_url for loopback, private, metadata and non-http targets", async () => {
    assert.equal(h.config.WEBHOOKS_ALLOW_PRIVATE, false);
    const owner = await newUser(h, "ssrf-owner");
    const company = await createCompany(h.app, owner, `ssrf-${Date.now()}`);
    for (const url of [
      "http://127.0.0.1:8080/x",
      "http://10.0.0.1/x",
      "http://169.254.169.254/latest/meta-data/",
      "http://localhost/x",
      "http://[::1]/x",
      "gopher://example.com/",
    ]) {
      const res = await h.app.inject({
        method: "POST",
        url: `/api/v1/companies/${company.id}/webhooks`,
        headers: owner.headers,
        payload: { url, eventTypes: ["*"] },
      });
      assert.equal(res.statusCode, 422, `${url}: ${res.body}`);
      assert.equal(res.json().code, "webhook.invalid_url");
    }
  });
});
