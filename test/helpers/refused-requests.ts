import { openRaw, writeAll } from "./raw-socket.ts";

/** Kinds of request Rampart refuses before reading the body, each followed by `bodyBytes` of body. */
export function refusedRequests(bodyBytes: number): { name: string; head: string }[] {
  const json = `Content-Type: application/json\r\nContent-Length: ${bodyBytes}\r\n`;
  return [
    {
      name: "a control byte in a header value",
      head: `POST /api/v1/companies HTTP/1.1\r\nHost: localhost\r\nX-Note: a\x01b\r\n${json}\r\n`,
    },
    { name: "a byte ≥ 0x80 in the path", head: `POST /api/v1/comp\xe9nies HTTP/1.1\r\nHost: localhost\r\n${json}\r\n` },
    {
      name: "a body far over the auth routes' limit",
      head: `POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\n${json}\r\n`,
    },
    {
      name: "a body over the auth routes' limit, chunked",
      head: `POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
    },
  ];
}

/**
 * Sends `head` then `bodyBytes` of body (chunked when the head says so), reading all along.
 * Resolves with what came back and how the connection ended: "end" (the server closed after
 * its answer) or "reset" (it destroyed the connection under a sender).
 */
export async function sendRefused(
  address: string,
  head: string,
  bodyBytes: number,
): Promise<{ response: string; ended: "end" | "reset"; sent: number }> {
  const raw = await openRaw(address, { allowHalfOpen: true });
  let ended: "end" | "reset" = "end";
  raw.socket.on("error", () => {
    ended = "reset";
  });
  const chunked = head.includes("Transfer-Encoding: chunked");
  await writeAll(raw.socket, Buffer.from(head, "latin1"));
  const piece = Buffer.alloc(64 * 1024, "a");
  let sent = 0;
  while (sent < bodyBytes) {
    const chunk = chunked ? Buffer.concat([Buffer.from("10000\r\n"), piece, Buffer.from("\r\n")]) : piece;
    if (!(await writeAll(raw.socket, chunk))) break;
    sent += piece.length;
  }
  if (chunked && sent >= bodyBytes) await writeAll(raw.socket, "0\r\n\r\n");
  // A proxy gives up on a request whose client leaves: wait for the answer before leaving.
  await Promise.race([raw.statusLine(), new Promise((resolve) => setTimeout(resolve, 10_000))]);
  raw.socket.end();
  await raw.closed;
  return { response: raw.received(), ended, sent };
}
