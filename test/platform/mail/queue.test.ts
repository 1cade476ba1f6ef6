import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, it } from "node:test";
import { Registry } from "prom-client";
import type { Env } from "../../../src/config/load.ts";
import type { DatabaseHandle } from "../../../src/platform/db/connect.ts";
import { withTransaction } from "../../../src/platform/db/transaction.ts";
import { createLogger } from "../../../src/platform/logging/logger.ts";
import { createMailer, type MailMessage } from "../../../src/platform/mail/mailer.ts";
import { registerMailQueueMetrics } from "../../../src/platform/mail/metrics.ts";
import { testConfig } from "../../helpers/app.ts";
import { type EngineUnderTest, enginesUnderTest } from "../../helpers/database.ts";
import { LogCapture } from "../../helpers/log-capture.ts";
import { freePort, startSmtpServer } from "../../helpers/smtp.ts";
import { waitFor } from "../../helpers/wait.ts";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const message = (to: string): MailMessage => ({
  to,
  subject: "Confirm your email address",
  text: "Hello,\n\nhttps://app.example.com/verify-email?token=vt_test\n",
  kind: "verify-email",
});

/** A queue-backed mailer (as every server process has) on `database`, sending to SMTP on `port`. */
function queuedMailer(database: DatabaseHandle, port: number, env: Env = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), "rampart-queue-"));
  const config = testConfig({
    DATA_DIR: dataDir,
    SMTP_URL: `smtp://127.0.0.1:${port}`,
    MAIL_RETRY_DELAY_MS: "100",
    SMTP_TIMEOUT_MS: "1000",
    ...env,
  });
  const logs = new LogCapture();
  const mailer = createMailer(config, createLogger(config, logs), database);
  cleanups.push(async () => {
    await mailer.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const failedFiles = () => {
    try {
      return readdirSync(join(dataDir, "outbox", "failed")).filter((name) => name.endsWith(".eml"));
    } catch {
      return [];
    }
  };
  return { mailer, logs, failedFiles };
}

/** A fresh database of `engine`, a test SMTP server (refusing recipients with `reject`) and a queued mailer to it. */
async function queueOn(engine: EngineUnderTest, reject?: number) {
  const database = await engine.create();
  cleanups.push(() => database.drop());
  const smtp = await startSmtpServer(0, reject);
  cleanups.push(() => smtp.close());
  return { database, smtp, ...queuedMailer(database.handle, smtp.port) };
}

const queued = async (database: DatabaseHandle) =>
  database.db.selectFrom("mail_queue").select(["kind", "attempts", "last_error"]).execute();

// Probed once: each probe is a connection attempt with a one-second bound.
const engines = await enginesUnderTest();

for (const engine of engines) {
  describe(`durable mail queue (${engine.engine})`, { skip: engine.skip }, () => {
    it("a mail acknowledged while SMTP is down survives the process and is delivered by the next one", async () => {
      const database = await engine.create();
      cleanups.push(() => database.drop());
      const port = await freePort();
      const first = queuedMailer(database.handle, port);
      await first.mailer.send(message("ada@example.com"));
      // Acknowledged: the row is in the database before send resolved, whatever SMTP does.
      await waitFor(async () => (await queued(database.handle))[0]?.last_error != null, 5000, "a failed attempt");
      const [row] = await queued(database.handle);
      assert.equal(row?.kind, "message");
      assert.ok((row?.attempts ?? 0) >= 1);
      assert.ok(
        first.logs.lines().some((l) => l.msg === "mail delivery failed; will retry" && l.level === "warn"),
        "the failure is a warning with a retry, not a loss",
      );
      const metrics = new Registry();
      registerMailQueueMetrics(metrics, database.handle);
      assert.match(await metrics.metrics(), /^rampart_mail_queue_messages 1$/m, "an operator sees the mail waiting");
      assert.match(await metrics.metrics(), /^rampart_mail_queue_oldest_age_seconds \d/m);
      await first.mailer.close();

      const smtp = await startSmtpServer(port);
      cleanups.push(() => smtp.close());
      const second = queuedMailer(database.handle, port);
      await waitFor(() => smtp.received.length === 1, 10_000, "delivery by the next process");
      assert.equal(smtp.received[0]?.headers.get("to"), "ada@example.com");
      await second.mailer.drain(5000);
      assert.deepEqual(await queued(database.handle), [], "a delivered mail leaves no row (its link is not kept)");
      assert.match(await metrics.metrics(), /^rampart_mail_queue_messages 0$/m);
      assert.match(await metrics.metrics(), /^rampart_mail_queue_oldest_age_seconds 0$/m);
    });

    it("a mail queued inside a transaction that rolls back is never sent", async () => {
      const { smtp, mailer, database } = await queueOn(engine);
      await assert.rejects(
        withTransaction(database.handle.db, async (trx) => {
          await mailer.send(message("rolled-back@example.com"), trx);
          throw new Error("the change the mail announces failed");
        }),
      );
      await mailer.send(message("committed@example.com"));
      await mailer.drain(5000);
      assert.deepEqual(
        smtp.received.map((m) => m.headers.get("to")),
        ["committed@example.com"],
      );
    });

    it("a permanent rejection (5xx) is set aside in outbox/failed after one attempt and leaves the queue", async () => {
      const { smtp, mailer, database, failedFiles, logs } = await queueOn(engine, 550);
      await mailer.send(message("nobody@example.com"));
      await mailer.drain(5000);
      assert.equal(smtp.rcptAttempts.length, 1);
      assert.equal(failedFiles().length, 1);
      assert.ok(logs.lines().some((l) => l.msg === "mail not delivered; message kept in the outbox's failed folder"));
      assert.deepEqual(await queued(database.handle), []);
    });

    it("a request is turned into mail by the worker, with the preparer registered for its kind", async () => {
      const { smtp, mailer } = await queueOn(engine);
      mailer.handle("test.greeting", async (payload) => (payload.known ? message(String(payload.email)) : undefined));
      await mailer.request("test.greeting", { email: "known@example.com", known: true });
      await mailer.request("test.greeting", { email: "unknown@example.com", known: false });
      await mailer.drain(5000);
      assert.deepEqual(
        smtp.received.map((m) => m.headers.get("to")),
        ["known@example.com"],
      );
    });
  });
}

const postgresEngine = engines.find((e) => e.engine === "postgres");
describe("durable mail queue with several instances (postgres)", { skip: postgresEngine?.skip ?? "no engine" }, () => {
  it("three workers on one database deliver 60 mails exactly once each", async () => {
    const database = await postgresEngine?.create();
    assert.ok(database);
    cleanups.push(() => database.drop());
    const smtp = await startSmtpServer();
    cleanups.push(() => smtp.close());
    // Every worker enqueues (which wakes it at once) while the others claim: they race for the same rows.
    const workers = [0, 1, 2].map(() => queuedMailer(database.handle, smtp.port));
    await Promise.all(
      Array.from({ length: 60 }, (_, i) => workers[i % 3]?.mailer.send(message(`user-${i}@example.com`))),
    );
    for (const worker of workers) await worker.mailer.drain(15_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const ids = smtp.received.map((m) => m.headers.get("x-rampart-mail-id"));
    assert.equal(ids.length, 60, "every mail delivered");
    assert.equal(new Set(ids).size, 60, "none delivered twice");
  });
});
