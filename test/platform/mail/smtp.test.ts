import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, it } from "node:test";
import type { Env } from "../../../src/config/load.ts";
import { createLogger } from "../../../src/platform/logging/logger.ts";
import { createMailer, type MailMessage } from "../../../src/platform/mail/mailer.ts";
import { testConfig } from "../../helpers/app.ts";
import { LogCapture } from "../../helpers/log-capture.ts";
import { freePort, parseMail, startSilentServer, startSmtpServer } from "../../helpers/smtp.ts";
import { waitFor } from "../../helpers/wait.ts";

/** Closed after each test, passed or failed, so a failure never leaves a server or timer behind. */
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const TOKEN = "vt_Zm9yLXRlc3RzLW9ubHktYS1zaW5nbGUtdXNlLXRva2VuLXRoYXQtaXMtbG9uZw";
const LINK = `https://app.example.com/verify-email?token=${TOKEN}`;
const message: MailMessage = {
  to: "ada@example.com",
  subject: "Confirm your email address",
  text: `Hello Ada,\n\nConfirm your address by opening this link:\n\n${LINK}\n`,
  actionUrl: LINK,
  kind: "verify-email",
};

function setup(port: number, env: Env = {}, credentials = "") {
  const dataDir = mkdtempSync(join(tmpdir(), "rampart-smtp-"));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const config = testConfig({
    DATA_DIR: dataDir,
    SMTP_URL: `smtp://${credentials}127.0.0.1:${port}`,
    MAIL_FROM: "Rampart Test <no-reply@rampart.test>",
    MAIL_RETRY_DELAY_MS: "100",
    SMTP_TIMEOUT_MS: "1000",
    ...env,
  });
  const logs = new LogCapture();
  const mailer = createMailer(config, createLogger(config, logs));
  cleanups.push(() => mailer.close());
  const failedDir = join(dataDir, "outbox", "failed");
  const failedFiles = () => {
    try {
      return readdirSync(failedDir).filter((name) => name.endsWith(".eml"));
    } catch {
      return [];
    }
  };
  return { mailer, logs, failedDir, failedFiles };
}

/** No log line of a mail carries its token, link, subject or body: only development logs the link. */
function assertNothingSecretLogged(logs: LogCapture) {
  assert.doesNotMatch(logs.text(), new RegExp(TOKEN));
  assert.doesNotMatch(logs.text(), /Confirm your/);
}

describe("mailer over SMTP (a real SMTP server)", () => {
  it("delivers the message: recipient, sender, subject, kind header and the link in the body", async () => {
    const smtp = await startSmtpServer();
    cleanups.push(() => smtp.close());
    const { mailer, logs } = setup(smtp.port);
    await mailer.send(message);
    await mailer.drain(5000);
    assert.equal(smtp.received.length, 1);
    const [mail] = smtp.received;
    assert.equal(mail?.headers.get("to"), "ada@example.com");
    assert.equal(mail?.headers.get("from"), "Rampart Test <no-reply@rampart.test>");
    assert.equal(mail?.headers.get("subject"), "Confirm your email address");
    assert.equal(mail?.headers.get("x-rampart-kind"), "verify-email");
    assert.ok(mail?.body.includes(LINK), mail?.body);
    const delivered = logs.lines().find((line) => line.msg === "mail delivered");
    assert.equal(delivered?.level, "info");
    assert.equal(delivered?.kind, "verify-email");
    assert.equal(delivered?.attempt, 1);
    assertNothingSecretLogged(logs);
  });

  it("returns at once while the server is down, retries, and delivers once the server is back on its port", async () => {
    const port = await freePort();
    const { mailer, logs, failedFiles } = setup(port, { MAIL_RETRY_ATTEMPTS: "5", MAIL_RETRY_DELAY_MS: "200" });
    await mailer.send(message); // resolves although nothing listens
    await waitFor(() => logs.lines().some((line) => line.level === "warn"), 5000, "the first failure to be logged");
    const smtp = await startSmtpServer(port);
    cleanups.push(() => smtp.close());
    await mailer.drain(10_000);
    assert.equal(smtp.received.length, 1, "delivered after the server came up");
    assert.ok(smtp.received[0]?.body.includes(LINK));
    const warnings = logs.lines().filter((line) => line.msg === "mail delivery failed; will retry");
    assert.ok(warnings.length >= 1);
    assert.equal(warnings[0]?.level, "warn");
    assert.equal(warnings[0]?.attempt, 1);
    assert.equal(warnings[0]?.maxAttempts, 5);
    assert.equal(warnings[0]?.retryInMs, 200);
    assert.equal((warnings[0]?.err as { code?: string }).code, "ESOCKET");
    const delivered = logs.lines().find((line) => line.msg === "mail delivered");
    assert.equal(delivered?.attempt, warnings.length + 1);
    assert.deepEqual(failedFiles(), []);
    assertNothingSecretLogged(logs);
  });

  it("after the last attempt keeps the message in outbox/failed (0600) and logs an error", async () => {
    const port = await freePort();
    const { mailer, logs, failedDir, failedFiles } = setup(
      port,
      { MAIL_RETRY_ATTEMPTS: "3", MAIL_RETRY_DELAY_MS: "50" },
      "mailer:smtp-pa55word@",
    );
    await mailer.send(message);
    await mailer.drain(5000);
    const files = failedFiles();
    assert.equal(files.length, 1);
    const file = join(failedDir, files[0] as string);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const kept = parseMail(readFileSync(file, "utf8"));
    assert.equal(kept.headers.get("to"), "ada@example.com");
    assert.ok(kept.body.includes(LINK), "the message is kept whole, so it can be resent");
    const attempts = logs
      .lines()
      .filter((line) => line.msg === "mail delivery failed; will retry")
      .map((line) => line.attempt);
    assert.deepEqual(attempts, [1, 2]);
    const failure = logs.lines().find((line) => line.level === "error");
    assert.equal(failure?.msg, "mail not delivered; message kept in the outbox's failed folder");
    assert.equal(failure?.attempt, 3);
    assert.equal(failure?.file, file);
    assertNothingSecretLogged(logs);
    assert.doesNotMatch(logs.text(), /smtp-pa55word/, "the SMTP password is never logged");
  });

  it("does not retry a permanent rejection (5xx): the message is set aside after one attempt", async () => {
    const smtp = await startSmtpServer(0, 550);
    cleanups.push(() => smtp.close());
    const { mailer, logs, failedFiles } = setup(smtp.port, { MAIL_RETRY_ATTEMPTS: "5", MAIL_RETRY_DELAY_MS: "50" });
    await mailer.send(message);
    await mailer.drain(5000);
    assert.equal(smtp.rcptAttempts.length, 1);
    assert.equal(failedFiles().length, 1);
    assert.equal(logs.lines().filter((line) => line.level === "warn").length, 0);
    const failure = logs.lines().find((line) => line.level === "error");
    assert.equal((failure?.err as { responseCode?: number }).responseCode, 550);
  });

  it("retries a temporary rejection (4xx)", async () => {
    const smtp = await startSmtpServer(0, 451);
    cleanups.push(() => smtp.close());
    const { mailer, failedFiles } = setup(smtp.port, { MAIL_RETRY_ATTEMPTS: "3", MAIL_RETRY_DELAY_MS: "50" });
    await mailer.send(message);
    await mailer.drain(5000);
    assert.equal(smtp.rcptAttempts.length, 3);
    assert.equal(failedFiles().length, 1);
  });

  for (const [when, greet] of [
    ["before its greeting", false],
    ["after its greeting", true],
  ] as const) {
    it(`times out a server that accepts the connection and falls silent ${when}, instead of hanging`, async () => {
      const silent = await startSilentServer(greet);
      cleanups.push(() => silent.close());
      const { mailer, logs, failedFiles } = setup(silent.port, {
        SMTP_TIMEOUT_MS: "300",
        MAIL_RETRY_ATTEMPTS: "2",
        MAIL_RETRY_DELAY_MS: "50",
      });
      await mailer.send(message);
      assert.equal(logs.lines().length, 0, "send returned before the first attempt had even timed out");
      // Two attempts of one 300 ms timeout each: the queue empties long before this bound.
      await mailer.drain(8000);
      assert.equal(failedFiles().length, 1, "both attempts timed out and the message was set aside");
      const warning = logs.lines().find((line) => line.level === "warn");
      assert.equal((warning?.err as { code?: string }).code, "ETIMEDOUT");
      assert.equal(logs.lines().filter((line) => line.level === "error").length, 1);
    });
  }

  it("keeps at most 1,000 messages in memory while SMTP is down; beyond that they go straight to outbox/failed", async () => {
    const port = await freePort();
    const { mailer, logs, failedFiles } = setup(port, { MAIL_RETRY_DELAY_MS: "60000" });
    for (let i = 0; i < 1000; i++) await mailer.send(message);
    assert.deepEqual(failedFiles(), []);
    await mailer.send({ ...message, kind: "password-reset" });
    assert.equal(failedFiles().length, 1);
    assert.match(String(failedFiles()[0]), /-password-reset-/);
    const overflow = logs.lines().find((line) => line.level === "error");
    assert.match(String((overflow?.err as { message?: string }).message), /more than 1000 messages queued/);
    await mailer.close(); // the 1,000 queued ones are written out too: nothing is lost
    assert.equal(failedFiles().length, 1001);
  });

  it("on close, writes a message still waiting for a retry to outbox/failed", async () => {
    const port = await freePort();
    const { mailer, logs, failedFiles } = setup(port, { MAIL_RETRY_DELAY_MS: "60000" });
    await mailer.send(message);
    await waitFor(() => logs.lines().some((line) => line.level === "warn"), 5000, "the first failure");
    assert.deepEqual(failedFiles(), []);
    await mailer.close();
    assert.equal(failedFiles().length, 1);
    const error = logs.lines().find((line) => line.level === "error");
    assert.match(String((error?.err as { message?: string }).message), /shut down before the message was delivered/);
    // After close, a late send is kept rather than lost.
    await mailer.send({ ...message, kind: "password-reset" });
    assert.equal(failedFiles().length, 2);
  });
});
