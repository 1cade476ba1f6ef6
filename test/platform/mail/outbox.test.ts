import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, it } from "node:test";
import type { Env } from "../../../src/config/load.ts";
import { createLogger } from "../../../src/platform/logging/logger.ts";
import { createMailer, type MailMessage } from "../../../src/platform/mail/mailer.ts";
import { createRuntimeDeps } from "../../../src/platform/runtime-deps.ts";
import { testConfig } from "../../helpers/app.ts";
import { LogCapture } from "../../helpers/log-capture.ts";
import { parseMail } from "../../helpers/smtp.ts";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const TOKEN = "rt_b3V0Ym94LXRlc3QtdG9rZW4tdGhhdC1tdXN0LW5vdC1iZS1sb2dnZWQ";
const LINK = `http://localhost:3000/reset-password?token=${TOKEN}`;
const message: MailMessage = {
  to: "grace@example.com",
  subject: "Reset your Rampart password",
  text: `Hello Grace,\n\nChoose a new password here:\n\n${LINK}\n`,
  actionUrl: LINK,
  kind: "password-reset",
};

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "rampart-outbox-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function setup(env: Env = {}) {
  const dataDir = tempDir();
  const config = testConfig({ DATA_DIR: dataDir, ...env });
  const logs = new LogCapture();
  const mailer = createMailer(config, createLogger(config, logs));
  cleanups.push(() => mailer.close());
  const outbox = join(dataDir, "outbox");
  return { mailer, logs, outbox, emlFiles: () => readdirSync(outbox).filter((name) => name.endsWith(".eml")) };
}

describe("mailer without SMTP: the outbox", () => {
  it("writes each message as an .eml file with the expected headers, private to the server's user", async () => {
    const { mailer, logs, outbox, emlFiles } = setup({ MAIL_FROM: "Rampart <no-reply@rampart.test>" });
    await mailer.send(message);
    const [name] = emlFiles();
    assert.match(String(name), /^\d{8}T\d{9}Z-password-reset-[0-9a-f-]{36}\.eml$/);
    const file = join(outbox, String(name));
    assert.equal(statSync(outbox).mode & 0o777, 0o700);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const mail = parseMail(readFileSync(file, "utf8"));
    assert.equal(mail.headers.get("from"), "Rampart <no-reply@rampart.test>");
    assert.equal(mail.headers.get("to"), "grace@example.com");
    assert.equal(mail.headers.get("subject"), "Reset your Rampart password");
    assert.equal(mail.headers.get("x-rampart-kind"), "password-reset");
    assert.match(String(mail.headers.get("message-id")), /^<.+@.+>$/);
    assert.ok(mail.headers.get("date"));
    assert.match(mail.raw, /\r\n\r\n/, "CRLF line ends, as on the wire");
    assert.ok(mail.body.includes(LINK));
    const written = logs.lines().find((line) => line.msg === "mail written to outbox");
    assert.equal(written?.file, file);
    assert.equal(written?.mailId, mail.headers.get("x-rampart-mail-id"));
    // Two messages, two files: nothing is overwritten.
    await mailer.send({ ...message, kind: "verify-email" });
    assert.equal(emlFiles().length, 2);
  });

  it("logs the action link at info in development, so a developer can click it", async () => {
    const { mailer, logs } = setup({ APP_ENV: "development", LOG_FORMAT: "json" });
    await mailer.send(message);
    const linkLines = logs.lines().filter((line) => line.actionUrl !== undefined);
    assert.equal(linkLines.length, 1);
    assert.equal(linkLines[0]?.level, "info");
    assert.equal(linkLines[0]?.actionUrl, LINK);
    assert.equal(linkLines[0]?.to, "grace@example.com");
    // Only that line: the other lines carry no link or token.
    assert.equal(logs.raw.filter((line) => line.includes(TOKEN)).length, 1);
  });

  for (const env of ["test", "production"] as const) {
    it(`never logs the link or token in ${env}`, async () => {
      const { mailer, logs, emlFiles } = setup({ APP_ENV: env });
      await mailer.send(message);
      assert.equal(emlFiles().length, 1);
      assert.ok(logs.lines().length > 0);
      assert.doesNotMatch(logs.text(), new RegExp(TOKEN));
      assert.doesNotMatch(logs.text(), /reset-password/);
    });
  }

  it("warns at startup in production that mail is not delivered without SMTP_URL", () => {
    const { logs } = setup({ APP_ENV: "production" });
    const warning = logs.lines().find((line) => line.level === "warn");
    assert.match(String(warning?.msg), /SMTP_URL is not set/);
  });

  it("never throws when the outbox cannot be written: the failure is logged at error", async () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, "outbox"), "a file where the outbox directory should be");
    const config = testConfig({ DATA_DIR: dataDir });
    const logs = new LogCapture();
    const mailer = createMailer(config, createLogger(config, logs));
    await mailer.send(message); // resolves
    const error = logs.lines().find((line) => line.level === "error");
    assert.equal(error?.msg, "mail lost: could not write it to the outbox");
    assert.equal(error?.kind, "password-reset");
    assert.doesNotMatch(logs.text(), new RegExp(TOKEN));
  });

  it("is the server's mailer by default: runtime deps write under DATA_DIR and flush on close", async () => {
    const dataDir = tempDir();
    const config = testConfig({ DATA_DIR: dataDir, DATABASE_URL: "sqlite::memory:" });
    const runtime = await createRuntimeDeps(config, createLogger(config, new LogCapture()));
    await runtime.deps.mailer.send(message);
    await runtime.close();
    const files = readdirSync(join(dataDir, "outbox")).filter((name) => name.endsWith(".eml"));
    assert.equal(files.length, 1);
  });
});
