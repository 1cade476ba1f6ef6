import { randomUUID } from "node:crypto";
import { join } from "node:path";
import type { Config } from "../../config/settings/index.ts";
import type { DatabaseHandle } from "../db/connect.ts";
import type { Executor } from "../db/transaction.ts";
import type { Logger } from "../logging/logger.ts";
import type { MailMessage, MailTransport, OutgoingMail } from "./message.ts";
import { createOutbox, createOutboxTransport, type Outbox, setAsideMail } from "./outbox-transport.ts";
import { createMailQueue, type MailQueue, type PrepareMail } from "./queue.ts";
import { createSmtpSender, createSmtpTransport, isPermanentMailError } from "./smtp-transport.ts";

export type { MailMessage } from "./message.ts";
export type { PrepareMail } from "./queue.ts";

export interface Mailer {
  /**
   * Hands the message over for delivery without waiting on SMTP. With the durable queue it
   * resolves once the message is a row in `mail_queue` (inside `executor`'s transaction
   * when given) and rejects when that row cannot be written — nothing is acknowledged that
   * could be lost. Without it (tests, tools) it never rejects.
   */
  send(message: MailMessage, executor?: Executor): Promise<void>;
  /**
   * Queues a request that a worker turns into a mail (or none) with the preparer registered
   * for `kind` — e.g. a reset link for an address, known or not: the caller's awaited work
   * is one insert either way, so its timing says nothing about the address.
   */
  request(kind: string, payload: Record<string, unknown>): Promise<void>;
  /** Registers how requests of `kind` become mail. */
  handle(kind: string, prepare: PrepareMail): void;
  /** Waits until nothing is left to deliver, or timeoutMs passed (for tests and shutdown). */
  drain(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * SMTP when `SMTP_URL` is set, otherwise `.eml` files under `<DATA_DIR>/outbox`. With a
 * `database` (every server process) mail goes through the durable queue (queue.ts) and a
 * worker delivers it; without one, it is handed to the transport directly. In development
 * the action link of each message is logged so a developer can click it without a mail
 * server; nowhere else is a link logged, because it carries a single-use token (whoever
 * reads the log could verify or reset someone else's account).
 */
export function createMailer(config: Config, logger: Logger, database?: DatabaseHandle): Mailer {
  const outbox = createOutbox(join(config.DATA_DIR, "outbox"), config.MAIL_FROM);
  if (!config.SMTP_URL && config.APP_ENV === "production") {
    logger.warn({ outbox: outbox.dir }, "SMTP_URL is not set: mail is written to the outbox and not delivered");
  }
  const logLink = (mail: OutgoingMail) => {
    if (config.APP_ENV === "development" && mail.message.actionUrl) {
      const { kind, to, actionUrl } = mail.message;
      logger.info({ mailId: mail.id, kind, to, actionUrl }, "mail action link (logged in development only)");
    }
  };
  return database
    ? queuedMailer(config, logger, database, outbox, logLink)
    : directMailer(config, logger, outbox, logLink);
}

function queuedMailer(
  config: Config,
  logger: Logger,
  database: DatabaseHandle,
  outbox: Outbox,
  onMessage: (mail: OutgoingMail) => void,
): Mailer {
  const smtp = config.SMTP_URL
    ? createSmtpSender({ url: config.SMTP_URL, from: config.MAIL_FROM, timeoutMs: config.SMTP_TIMEOUT_MS }, logger)
    : undefined;
  const queue: MailQueue = createMailQueue({
    database,
    logger,
    async deliver(mail) {
      if (smtp) return smtp.send(mail);
      const file = await outbox.write(mail);
      logger.info({ mailId: mail.id, kind: mail.message.kind, file }, "mail written to outbox");
    },
    isPermanent: isPermanentMailError,
    setAside: (mail, reason, attempts) =>
      setAsideMail(outbox, logger, mail, reason, {
        mailId: mail.id,
        kind: mail.message.kind,
        attempt: attempts,
        maxAttempts: config.MAIL_RETRY_ATTEMPTS,
      }),
    onMessage,
    maxAttempts: config.MAIL_RETRY_ATTEMPTS,
    retryDelayMs: config.MAIL_RETRY_DELAY_MS,
  });
  queue.start();
  return {
    send: (message, executor) => queue.enqueue("message", message, executor),
    request: (kind, payload) => queue.enqueue(kind, payload),
    handle: (kind, prepare) => queue.handle(kind, prepare),
    drain: (timeoutMs) => queue.drain(timeoutMs),
    async close() {
      await queue.stop();
      smtp?.close();
    },
  };
}

function directMailer(config: Config, logger: Logger, outbox: Outbox, onMessage: (mail: OutgoingMail) => void): Mailer {
  const transport: MailTransport = config.SMTP_URL
    ? createSmtpTransport(
        {
          url: config.SMTP_URL,
          from: config.MAIL_FROM,
          attempts: config.MAIL_RETRY_ATTEMPTS,
          retryDelayMs: config.MAIL_RETRY_DELAY_MS,
          timeoutMs: config.SMTP_TIMEOUT_MS,
        },
        outbox,
        logger,
      )
    : createOutboxTransport(outbox, logger);
  const handlers = new Map<string, PrepareMail>();
  const send = async (message: MailMessage) => {
    const mail = { id: randomUUID(), message };
    onMessage(mail);
    try {
      await transport.send(mail);
    } catch (error) {
      // Transports do not reject; this guards the promise of `send` should one ever do so.
      logger.error(
        { mailId: mail.id, kind: message.kind, err: { message: (error as Error).message } },
        "mail send failed",
      );
    }
  };
  return {
    send,
    async request(kind, payload) {
      const prepare = handlers.get(kind);
      if (!prepare) throw new Error(`no handler for mail request ${kind}`);
      const message = await prepare(payload);
      if (message) await send(message);
    },
    handle: (kind, prepare) => void handlers.set(kind, prepare),
    drain: (timeoutMs) => transport.drain(timeoutMs),
    close: () => transport.close(),
  };
}
