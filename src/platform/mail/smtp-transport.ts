import type { Logger } from "../logging/logger.ts";
import { describeMailError, type MailTransport, type OutgoingMail, toMailOptions } from "./message.ts";
import { loadNodemailer, type Outbox, setAsideMail } from "./outbox-transport.ts";

export interface SmtpTransportOptions {
  readonly url: string;
  readonly from: string;
  /** Delivery attempts per message before it is set aside in the outbox's `failed/`. */
  readonly attempts: number;
  /** Wait before the first retry; doubled for each further one. */
  readonly retryDelayMs: number;
  /** Bound of the TCP connect, the greeting, and any silence on the socket. */
  readonly timeoutMs: number;
}

/** At most this many SMTP conversations at once, so a burst of sign-ups does not open a connection each. */
const MAX_CONCURRENT_DELIVERIES = 4;
/** Beyond this many messages waiting (SMTP down for long), new ones go straight to `failed/` instead of memory. */
const MAX_QUEUED = 1000;
const MAX_RETRY_DELAY_MS = 60_000;

/**
 * A 5xx reply (RFC 5321: permanent, e.g. "550 no such user") or a message nodemailer
 * refuses before talking to the server (no valid recipient) fails the same way every
 * time: it is set aside at once instead of retried. Connection failures, timeouts and 4xx
 * replies ("451 try again later", greylisting) are transient and retried.
 */
export function isPermanentMailError(error: unknown): boolean {
  const { responseCode, code } = error as { responseCode?: unknown; code?: unknown };
  if (typeof responseCode === "number") return responseCode >= 500 && responseCode < 600;
  return code === "EENVELOPE"; // refused before any reply, e.g. no valid recipient address
}

interface Job {
  readonly mail: OutgoingMail;
  attempts: number;
  timer?: NodeJS.Timeout;
  abort?: AbortController;
}

/**
 * SMTP delivery that never makes the caller wait on the mail server: `send` only queues.
 * Deliveries run in the background, a failure is logged at warn and retried with
 * exponential backoff, and a message that still fails after the last attempt (or is
 * still queued when the process shuts down) is written to `<outbox>/failed/` and logged at
 * error, so an operator can resend it and no mail is silently lost. Every phase of the
 * SMTP conversation is bounded by `timeoutMs`: a server that accepts the connection and
 * then says nothing costs one timeout per attempt, never a hang.
 */
export function createSmtpTransport(options: SmtpTransportOptions, outbox: Outbox, logger: Logger): MailTransport {
  const sender = createSmtpSender(options, logger);
  const jobs = new Set<Job>();
  const ready: Job[] = [];
  let delivering = 0;
  let closed = false;
  let idleWaiters: (() => void)[] = [];

  function settle(job: Job): void {
    jobs.delete(job);
    if (jobs.size === 0) {
      for (const resolve of idleWaiters) resolve();
      idleWaiters = [];
    }
  }

  function fields(job: Job) {
    return { mailId: job.mail.id, kind: job.mail.message.kind, attempt: job.attempts, maxAttempts: options.attempts };
  }

  const setAside = (job: Job, reason: unknown) => setAsideMail(outbox, logger, job.mail, reason, fields(job));

  async function deliver(job: Job): Promise<void> {
    job.attempts += 1;
    job.abort = new AbortController();
    try {
      await sender.send(job.mail, job.abort.signal);
      logger.info(fields(job), "mail delivered");
    } catch (error) {
      if (closed || job.attempts >= options.attempts || isPermanentMailError(error)) {
        await setAside(job, error);
      } else {
        const retryInMs = Math.min(options.retryDelayMs * 2 ** (job.attempts - 1), MAX_RETRY_DELAY_MS);
        logger.warn({ ...fields(job), retryInMs, err: describeMailError(error) }, "mail delivery failed; will retry");
        job.timer = setTimeout(() => enqueue(job), retryInMs);
        return; // still pending
      }
    }
    settle(job);
  }

  function enqueue(job: Job): void {
    job.timer = undefined;
    ready.push(job);
    pump();
  }

  function pump(): void {
    while (delivering < MAX_CONCURRENT_DELIVERIES && ready.length > 0) {
      const job = ready.shift() as Job;
      delivering += 1;
      void deliver(job).finally(() => {
        delivering -= 1;
        pump();
      });
    }
  }

  /** Resolves when nothing is pending, or after `timeoutMs`, whichever comes first. */
  function whenIdle(timeoutMs: number): Promise<void> {
    if (jobs.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  return {
    async send(mail) {
      const job: Job = { mail, attempts: 0 };
      if (closed || jobs.size >= MAX_QUEUED) {
        await setAside(job, new Error(closed ? "the mailer is closed" : `more than ${MAX_QUEUED} messages queued`));
        return;
      }
      jobs.add(job);
      enqueue(job);
    },
    drain: whenIdle,
    async close() {
      closed = true;
      // Messages waiting for a retry are written out now; conversations in progress are
      // cancelled and then set aside by deliver() (they may still have been accepted by the
      // server: a duplicate in failed/ is better than a lost message).
      const waiting = [...jobs].filter((job) => job.timer !== undefined || ready.includes(job));
      ready.length = 0;
      for (const job of waiting) clearTimeout(job.timer);
      for (const job of jobs) if (!waiting.includes(job)) job.abort?.abort();
      await Promise.all(
        waiting.map(async (job) => {
          await setAside(job, new Error("the server shut down before the message was delivered"));
          settle(job);
        }),
      );
      await whenIdle(options.timeoutMs * 2);
      sender.close();
    },
  };
}

export interface SmtpSender {
  /** One SMTP conversation: resolves once the server accepted the message, rejects otherwise. */
  send(mail: OutgoingMail, signal?: AbortSignal): Promise<void>;
  close(): void;
}

/** A nodemailer SMTP transporter whose every phase is bounded by `timeoutMs`. */
export function createSmtpSender(
  options: Pick<SmtpTransportOptions, "url" | "from" | "timeoutMs">,
  logger: Logger,
): SmtpSender {
  const transporter = loadNodemailer().createTransport(
    {
      url: options.url,
      connectionTimeout: options.timeoutMs,
      greetingTimeout: options.timeoutMs,
      socketTimeout: options.timeoutMs,
      dnsTimeout: options.timeoutMs,
    },
    { from: options.from },
  );
  // Delivery errors reject sendMail; the transporter emits 'error' only for failures outside
  // a delivery (e.g. an OAuth2 token refresh). Unhandled, one of those would end the process.
  transporter.on("error", (error: Error) =>
    logger.warn({ err: describeMailError(error) }, "mail transport error outside a delivery"),
  );
  return {
    async send(mail, signal) {
      await transporter.sendMail({ ...toMailOptions(mail, options.from), ...(signal ? { signal } : {}) });
    },
    close: () => transporter.close(),
  };
}
