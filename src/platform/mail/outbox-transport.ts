import { randomBytes } from "node:crypto";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { Transporter } from "nodemailer";
import type { Logger } from "../logging/logger.ts";
import { describeMailError, type MailTransport, type OutgoingMail, toMailOptions } from "./message.ts";

const require = createRequire(import.meta.url);

/** nodemailer, loaded when a mail is first composed (synchronously: it is CommonJS). */
export function loadNodemailer(): typeof import("nodemailer") {
  return require("nodemailer") as typeof import("nodemailer");
}

/** Where messages land as `.eml` files: the default transport, and the safety net of SMTP. */
export interface Outbox {
  readonly dir: string;
  /** Writes the message as an RFC 5322 `.eml` file (in `failed/` when given) and returns its path. */
  write(mail: OutgoingMail, folder?: "failed"): Promise<string>;
}

/**
 * Mails hold single-use tokens, so the outbox is private to the server's user (0700
 * directories, 0600 files). A file appears under its final name only once complete
 * (written aside, then renamed), so a reader never sees half a message.
 */
export function createOutbox(dir: string, from: string): Outbox {
  // The same MIME composer as SMTP delivery: the file is exactly what would have been sent.
  // Made on the first message: nodemailer is a large load for a process that may send none.
  let composer: Transporter | undefined;
  return {
    dir,
    async write(mail, folder) {
      const target = folder ? join(dir, folder) : dir;
      // Directories created here are 0700; an existing one keeps the mode its operator chose.
      await mkdir(target, { recursive: true, mode: 0o700 });
      composer ??= loadNodemailer().createTransport({ streamTransport: true, buffer: true, newline: "windows" });
      const composed = await composer.sendMail(toMailOptions(mail, from));
      const name = `${fileTimestamp()}-${safeKind(mail.message.kind)}-${mail.id}.eml`;
      const partial = join(target, `.${name}.${randomBytes(4).toString("hex")}.partial`);
      await writeFile(partial, composed.message as Buffer, { mode: 0o600, flag: "wx" });
      const path = join(target, name);
      await rename(partial, path);
      return path;
    },
  };
}

/** Sortable and valid in any file system: 20261123T111958123Z. */
function fileTimestamp(): string {
  return new Date().toISOString().replace(/[-:.]/g, "");
}

function safeKind(kind: string): string {
  return kind.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 40) || "mail";
}

/**
 * Keeps a message that will not be delivered in `<outbox>/failed/` and logs an error, so an
 * operator can resend it and no mail is silently lost.
 */
export async function setAsideMail(
  outbox: Outbox,
  logger: Logger,
  mail: OutgoingMail,
  reason: unknown,
  fields: Record<string, unknown>,
): Promise<void> {
  try {
    const file = await outbox.write(mail, "failed");
    logger.error(
      { ...fields, err: describeMailError(reason), file },
      "mail not delivered; message kept in the outbox's failed folder",
    );
  } catch (error) {
    logger.error(
      { ...fields, err: describeMailError(reason), writeError: describeMailError(error) },
      "mail lost: not delivered and could not be written to the outbox",
    );
  }
}

/** The default transport: each message becomes a file in the outbox; nothing leaves the machine. */
export function createOutboxTransport(outbox: Outbox, logger: Logger): MailTransport {
  const writing = new Set<Promise<void>>();
  return {
    send(mail) {
      const done = outbox.write(mail).then(
        (file) => logger.info({ mailId: mail.id, kind: mail.message.kind, file }, "mail written to outbox"),
        (error: unknown) =>
          logger.error(
            { mailId: mail.id, kind: mail.message.kind, err: describeMailError(error) },
            "mail lost: could not write it to the outbox",
          ),
      );
      writing.add(done);
      void done.finally(() => writing.delete(done));
      return done;
    },
    async drain(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      });
      await Promise.race([Promise.all(writing), timeout]);
      clearTimeout(timer);
    },
    async close() {
      await Promise.all(writing);
    },
  };
}
