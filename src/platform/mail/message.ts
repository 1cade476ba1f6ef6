import type { SendMailOptions } from "nodemailer";

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** The action link, logged in development only. */
  actionUrl?: string;
  /** What the mail is for (e.g. `verify-email`): in file names, log lines and the X-Rampart-Kind header. */
  kind: string;
}

/** A message on its way out, with the id that ties its log lines to its file or delivery. */
export interface OutgoingMail {
  readonly id: string;
  readonly message: MailMessage;
}

/** A way of getting mail out (outbox files or SMTP); the Mailer adds what is common to both. */
export interface MailTransport {
  /** Resolves once the message is written or queued; never rejects. */
  send(mail: OutgoingMail): Promise<void>;
  drain(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The nodemailer fields of a message, the same for SMTP and the outbox so an `.eml` file
 * shows exactly what would have been delivered. Nodemailer encodes header values, so a
 * subject or address cannot inject extra headers.
 */
export function toMailOptions(mail: OutgoingMail, from: string): SendMailOptions {
  const { to, subject, text, html, kind } = mail.message;
  return {
    from,
    to,
    subject,
    text,
    ...(html === undefined ? {} : { html }),
    headers: { "X-Rampart-Kind": kind, "X-Rampart-Mail-Id": mail.id },
  };
}

/**
 * Fields of a delivery error that are safe to log: nodemailer's message and codes, never
 * the message itself or the connection URL (which may hold the SMTP password).
 */
export function describeMailError(error: unknown): Record<string, unknown> {
  const { message, code, responseCode } = error as { message?: unknown; code?: unknown; responseCode?: unknown };
  return { message: String(message ?? error), code, responseCode };
}
