import assert from "node:assert/strict";
import { Agent, request } from "node:http";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Type } from "@sinclair/typebox";
import { createShutdown } from "../../../src/platform/lifecycle/shutdown.ts";
import { buildTestApp } from "../../helpers/app.ts";
import { startServerProcess } from "../../helpers/server-process.ts";

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { agent: false }, (res) => {
      let body = "";
      res.on("data", (chunk) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on("error", reject)
      .end();
  });
}

describe("graceful shutdown", () => {
  it("flips readiness to 503 at once while an in-flight slow request still completes with 200", async () => {
    const { app, logs } = await buildTestApp();
    app.get(
      "/test/slow",
      {
        config: { access: "public" },
        schema: {
          operationId: "testSlowShutdown",
          tags: ["test"],
          response: { 200: Type.Object({ done: Type.Boolean() }) },
        },
      },
      async () => {
        await sleep(600);
        return { done: true };
      },
    );
    const url = await app.listen({ host: "127.0.0.1", port: 0 });
    let closedDeps = false;
    const exits: number[] = [];
    const shutdown = createShutdown({
      app,
      logger: app.log as never,
      timeoutMs: 5000,
      drainDelayMs: 300,
      closeDeps: async () => {
        closedDeps = true;
      },
      exit: (code) => exits.push(code),
    });

    const slow = get(`${url}/test/slow`);
    await sleep(100);
    assert.equal((await get(`${url}/health/ready`)).status, 200);
    const done = shutdown("test", 0);
    const ready = await get(`${url}/health/ready`);
    assert.equal(ready.status, 503, "readiness flips during the drain delay");
    assert.equal(JSON.parse(ready.body).status, "shutting_down");

    const slowResult = await slow;
    assert.equal(slowResult.status, 200, "in-flight request completes");
    assert.deepEqual(JSON.parse(slowResult.body), { done: true });
    await done;
    assert.deepEqual(exits, [0]);
    assert.ok(closedDeps, "pools are closed after the server drains");
    await assert.rejects(get(`${url}/health`), "listener no longer accepts");
    assert.ok(logs.lines().some((l) => l.msg === "shutdown complete"));
  });

  it("answers Connection: close from the first moment of the drain, so proxies retire pooled connections", async () => {
    const { app } = await buildTestApp();
    const url = await app.listen({ host: "127.0.0.1", port: 0 });
    const keepAlive = new Agent({ keepAlive: true });
    const head = (path: string) =>
      new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
        request(`${url}${path}`, { agent: keepAlive }, (res) => {
          res.resume();
          res.on("end", () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
        })
          .on("error", reject)
          .end();
      });
    assert.equal((await head("/health")).connection, "keep-alive");
    const exits: number[] = [];
    const done = createShutdown({
      app,
      logger: app.log as never,
      timeoutMs: 5000,
      drainDelayMs: 300,
      closeDeps: async () => {},
      exit: (code) => exits.push(code),
    })("test", 0);
    const during = await head("/health");
    assert.equal(during.status, 200, "requests still succeed during the drain delay");
    assert.equal(during.connection, "close");
    await done;
    keepAlive.destroy();
    assert.deepEqual(exits, [0]);
  });

  it("exits non-zero when in-flight requests outlast SHUTDOWN_TIMEOUT_MS", async () => {
    const { app } = await buildTestApp();
    app.get(
      "/test/stuck",
      {
        config: { access: "public" },
        schema: { operationId: "testStuck", tags: ["test"], response: { 200: Type.Object({}) } },
      },
      () => new Promise(() => {}),
    );
    const url = await app.listen({ host: "127.0.0.1", port: 0 });
    const exits: number[] = [];
    const shutdown = createShutdown({
      app,
      logger: app.log as never,
      timeoutMs: 200,
      drainDelayMs: 0,
      closeDeps: async () => {},
      exit: (code) => exits.push(code),
    });
    get(`${url}/test/stuck`).catch(() => {});
    await sleep(50);
    void shutdown("test", 0);
    await sleep(400);
    assert.deepEqual(exits, [1]);
    app.server.closeAllConnections();
  });

  it("a second signal exits at once", async () => {
    const { app } = await buildTestApp();
    const exits: number[] = [];
    const shutdown = createShutdown({
      app,
      logger: app.log as never,
      timeoutMs: 5000,
      drainDelayMs: 1000,
      closeDeps: async () => {},
      exit: (code) => exits.push(code),
    });
    void shutdown("SIGTERM", 0);
    await shutdown("SIGINT", 0);
    assert.deepEqual(exits, [130]);
  });

  it("the real server process exits 0 on SIGTERM and logs the shutdown", async () => {
    const server = await startServerProcess({});
    assert.equal((await get(`${server.url}/health`)).status, 200);
    server.child.kill("SIGTERM");
    assert.equal(await server.exited(), 0);
    assert.ok(server.lines.some((l) => l.msg === "shutdown complete"));
  });

  it("the real server process logs at startup where it listens and in which environment", async () => {
    const server = await startServerProcess({});
    try {
      const started = server.lines.find((l) => l.msg === "rampart listening");
      assert.ok(started, "a startup line");
      assert.equal(started.address, server.url);
      assert.equal(started.env, "test");
      assert.equal(started.level, "info");
    } finally {
      server.child.kill("SIGTERM");
      assert.equal(await server.exited(), 0);
    }
  });
});
