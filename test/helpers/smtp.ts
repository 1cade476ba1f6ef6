import { createServer, type Server, type Socket } from "node:net";
import { SMTPServer } from "smtp-server";

/** A message as a mail client would read it: unfolded headers (lower-case names) and the decoded text body. */
export interface ParsedMail {
  readonly headers: ReadonlyMap<string, string>;
  readonly body: string;
  readonly raw: string;
}

/** Parses a single-part RFC 5322 message as nodemailer writes it (7bit or quoted-printable text). */
export function parseMail(raw: string): ParsedMail {
  const split = raw.search(/\r?\n\r?\n/);
  const head = raw.slice(0, split).replace(/\r?\n[ \t]+/g, " ");
  const headers = new Map<string, string>();
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(":");
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  let body = raw.slice(split).replace(/^\r?\n\r?\n/, "");
  if (headers.get("content-transfer-encoding")?.toLowerCase() === "quoted-printable") {
    const bytes = body
      .replace(/=\r?\n/g, "")
      .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
    body = Buffer.from(bytes, "latin1").toString("utf8");
  }
  return { headers, body: body.replace(/\r\n/g, "\n"), raw };
}

export interface TestSmtpServer {
  readonly port: number;
  /** Every message accepted so far. */
  readonly received: ParsedMail[];
  /** Times of every RCPT TO command, accepted or not: one per delivery attempt of a one-recipient mail. */
  readonly rcptAttempts: number[];
  close(): Promise<void>;
  /** Stops listening and destroys every open connection at once, mid-conversation: the server vanishes. */
  kill(): Promise<void>;
}

/**
 * A real SMTP server on 127.0.0.1 (no TLS, no auth) that keeps every message it accepts;
 * `rejectRecipients` answers every RCPT TO with that SMTP reply code.
 */
export async function startSmtpServer(port = 0, rejectRecipients?: number): Promise<TestSmtpServer> {
  const received: ParsedMail[] = [];
  const rcptAttempts: number[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onRcptTo(_address, _session, callback) {
      rcptAttempts.push(Date.now());
      if (rejectRecipients === undefined) return callback();
      callback(Object.assign(new Error("mailbox unavailable"), { responseCode: rejectRecipients }));
    },
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        received.push(parseMail(Buffer.concat(chunks).toString("utf8")));
        callback();
      });
    },
  });
  const sockets = new Set<Socket>();
  server.server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  server.on("error", () => {});
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const address = server.server.address();
  return {
    port: typeof address === "object" && address ? address.port : port,
    received,
    rcptAttempts,
    close: () => new Promise((resolve) => server.close(() => resolve())),
    async kill() {
      const closed = new Promise<void>((resolve) => server.server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** A port with nothing listening on it (taken from the OS, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== "object" || !address) throw new Error("no port");
  return address.port;
}

/**
 * A hung SMTP server: it accepts TCP connections and then never says a word, or (with
 * `greet`) sends its 220 greeting and then never answers a command.
 */
export async function startSilentServer(greet = false): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    if (greet) socket.write("220 smtp.test ESMTP ready\r\n");
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (typeof address !== "object" || !address) throw new Error("no port");
  return {
    port: address.port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
