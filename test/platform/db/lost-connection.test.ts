import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Type } from "@sinclair/typebox";
import { sql } from "kysely";
import pg from "pg";
import { Registry } from "prom-client";
import type { App } from "../../../src/app.ts";
import { loadConfig } from "../../../src/config/load.ts";
import { databaseReadinessCheck, openDatabase } from "../../../src/platform/db/connect.ts";
import { withTransaction } from "../../../src/platform/db/transaction.ts";
import { createLogger } from "../../../src/platform/logging/logger.ts";
import { buildTestApp } from "../../helpers/app.ts";
import { createPostgresSchema } from "../../helpers/database.ts";
import { LogCapture } from "../../helpers/log-capture.ts";
import { postgres, TEST_DATABASE_URL } from "../../helpers/services.ts";
import { waitFor } from "../../helpers/wait.ts";

const service = await postgres();

/**
 * A route that checks a connection out, names its server process, and then waits — inside
 * a transaction, idle (`mode=idle`) or in a running statement (`mode=busy`) — until the test
 * lets it go. The test terminates exactly that server process (never another test's), the
 * way a database restart or failover does to every connection a busy instance holds.
 */
async function appWithHeldConnection(url: string) {
  const config = loadConfig({ APP_ENV: "test", LOG_FORMAT: "json", DATABASE_URL: url });
  const logs = new LogCapture();
  const database = openDatabase(config, createLogger(config, logs));
  const metrics = new Registry();
  const { app } = await buildTestApp(
    { DATABASE_URL: url },
    { database, metrics, readinessChecks: [databaseReadinessCheck(database)] },
  );
  const held: { pid?: number; release?: () => void } = {};
  app.get(
    "/test/held",
    {
      config: { access: "public" },
      schema: {
        operationId: "holdTestConnection",
        tags: ["test"],
        querystring: Type.Object({ mode: Type.Union([Type.Literal("idle"), Type.Literal("busy")]) }),
        response: { 200: Type.Object({ ok: Type.Boolean() }) },
      },
    },
    async (request) => {
      const { mode } = request.query as { mode: "idle" | "busy" };
      await withTransaction(database.db, async (trx) => {
        const row = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
        held.pid = row.rows[0]?.pid;
        if (mode === "busy") {
          await sql`select pg_sleep(5)`.execute(trx);
        } else {
          await new Promise<void>((resolve) => {
            held.release = resolve;
          });
          await sql`select 1`.execute(trx);
        }
      });
      return { ok: true };
    },
  );
  app.addHook("onClose", () => database.close());
  await app.ready();
  return { app: app as App, logs, metrics, held };
}

async function terminate(pid: number): Promise<void> {
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    const result = await admin.query("select pg_terminate_backend($1) as done", [pid]);
    assert.equal(result.rows[0]?.done, true, `backend ${pid} terminated`);
  } finally {
    await admin.end();
  }
}

describe("a connection lost while a request holds it", { skip: service.skip }, () => {
  let schema: Awaited<ReturnType<typeof createPostgresSchema>>;
  const uncaught: Error[] = [];
  const record = (error: Error) => uncaught.push(error);
  before(async () => {
    schema = await createPostgresSchema();
    process.on("uncaughtException", record);
  });
  after(async () => {
    process.off("uncaughtException", record);
    await schema?.dropSchema();
  });

  for (const mode of ["idle", "busy"] as const) {
    it(`(${mode} in a transaction) fails that request with a 503 problem and Retry-After, and nothing is uncaught`, async () => {
      uncaught.length = 0;
      const { app, logs, metrics, held } = await appWithHeldConnection(schema.url);
      const answer = app.inject({ url: `/test/held?mode=${mode}` });
      await waitFor(() => held.pid !== undefined, 5000, "the route to hold a connection");
      await terminate(held.pid as number);
      // Let the driver read the server's goodbye on the idle socket before the request moves on.
      if (mode === "idle") {
        await waitFor(
          () => logs.lines().some((l) => l.msg.startsWith("database connection lost")),
          5000,
          "the driver to notice",
        );
        held.release?.();
      }
      const res = await answer;
      assert.equal(res.statusCode, 503, res.body);
      assert.equal(res.headers["content-type"], "application/problem+json; charset=utf-8");
      assert.equal(res.headers["retry-after"], "5");
      assert.equal(res.json().code, "database.unavailable");
      assert.deepEqual(
        uncaught.map((e) => e.message),
        [],
        "the driver's error event was handled, not thrown out of the event loop",
      );

      // The pool replaced the dead connection: the next request and readiness succeed.
      assert.equal((await app.inject({ url: "/health/ready" })).statusCode, 200);
      const lines = logs.lines();
      const lost = lines.filter((l) => l.msg === "database connection lost; requests answer 503 until it is back");
      assert.equal(lost.length, 1, "one warning for the incident");
      assert.equal(lost[0]?.level, "warn");
      const back = lines.find((l) => l.msg === "database reachable again after an incident");
      assert.ok(back, "the end of the incident is logged");
      assert.equal(typeof back.durationMs, "number");
      assert.ok((back.connectionsLost as number) >= 1);
      const scraped = await metrics.metrics();
      assert.match(scraped, /^rampart_db_unreachable 0$/m);
      assert.match(scraped, /^rampart_db_connections_lost_total [1-9]\d*$/m);
      await app.close();
    });
  }
});
