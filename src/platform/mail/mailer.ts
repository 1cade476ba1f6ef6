import { randomUUID } from "node:crypto";
import { join } from "node:path";
import type { Config } from "../../config/settings/index.ts";
import type { Logger } from "../logging/logger.ts";
import type { MailMessage, MailTransport } from "./message.ts";
import { createOutbox, createOutboxTransport } from "./outbox-transport.ts";
import { createSmtpTransport } from "./smtp-transport.ts";

export type { MailMessage } from "./message.ts";

export interface Mailer {
  /** Never throws and never blocks the caller on SMTP: the message is queued/written; failures are retried in the background and logged. */
  send(message: MailMessage): Promise<void>;
  /** Waits until the retry queue is empty or timeoutMs passed (for tests and shutdown). */
  drain(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * SMTP when `SMTP_URL` is set, otherwise `.eml` files under `<DATA_DIR>/outbox`. In
 * development the action link of each message is logged so a developer can click it
 * without a mail server; nowhere else is a link logged, because it carries a single-use
 * token (whoever reads the log could verify or reset someone else's account).
 */
export function createMailer(config: Config, logger: Logger): Mailer {
  const outbox = createOutbox(join(config.DATA_DIR, "outbox"), config.MAIL_FROM);
  let transport: MailTransport;
  if (config.SMTP_URL) {
    transport = createSmtpTransport(
      {
        url: config.SMTP_URL,
        from: config.MAIL_FROM,
        attempts: config.MAIL_RETRY_ATTEMPTS,
        retryDelayMs: config.MAIL_RETRY_DELAY_MS,
        timeoutMs: config.SMTP_TIMEOUT_MS,
      },
      outbox,
      logger,
    );
  } else {
    transport = createOutboxTransport(outbox, logger);
    if (config.APP_ENV === "production") {
      logger.warn({ outbox: outbox.dir }, "SMTP_URL is not set: mail is written to the outbox and not delivered");
    }
  }
  return {
    async send(message) {
      const mail = { id: randomUUID(), message };
      if (config.APP_ENV === "development" && message.actionUrl) {
        logger.info(
          { mailId: mail.id, kind: message.kind, to: message.to, actionUrl: message.actionUrl },
          "mail action link (logged in development only)",
        );
      }
      try {
        await transport.send(mail);
      } catch (error) {
        // Transports do not reject; this guards the promise of `send` should one ever do so.
        logger.error(
          { mailId: mail.id, kind: message.kind, err: { message: (error as Error).message } },
          "mail send failed",
        );
      }
    },
    drain: (timeoutMs) => transport.drain(timeoutMs),
    close: () => transport.close(),
  };
}
