import { openRaw, writeAll } from "./raw-socket.ts";

/**
 * Request-smuggling and path variants an attacker tries (issue #30 found all of them held),
 * kept as regression tests directly against Rampart and behind the shipped nginx.
 */

/** A request that must never be answered: it is only ever smuggled inside another one's body. */
export const SMUGGLED = "GET /smuggled-request HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

const post = (headers: string, body: string) =>
  `POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${headers}\r\n${body}`;

/**
 * Ambiguously framed requests with a second request hidden where a parser that disagrees with
 * the framing would read it as the next request. Whether the server refuses the request or
 * reads the hidden part as body, it must never answer /smuggled-request.
 */
export const SMUGGLING_VARIANTS: readonly { name: string; raw: string }[] = [
  { name: "CL.TE", raw: post("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", `0\r\n\r\n${SMUGGLED}`) },
  {
    name: "TE.CL",
    raw: post(`Transfer-Encoding: chunked\r\nContent-Length: ${4 + SMUGGLED.length}\r\n`, `0\r\n\r\n${SMUGGLED}`),
  },
  {
    name: "TE with a leading space",
    raw: post("Content-Length: 5\r\nTransfer-Encoding:  chunked\r\n", `0\r\n\r\n${SMUGGLED}`),
  },
  { name: "TE xchunked", raw: post("Content-Length: 5\r\nTransfer-Encoding: xchunked\r\n", `0\r\n\r\n${SMUGGLED}`) },
  { name: "TE chunked, identity", raw: post("Transfer-Encoding: chunked, identity\r\n", `0\r\n\r\n${SMUGGLED}`) },
  {
    name: "TE twice",
    raw: post("Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n", `0\r\n\r\n${SMUGGLED}`),
  },
  {
    name: "TE with a space before the colon",
    raw: post("Transfer-Encoding : chunked\r\nContent-Length: 5\r\n", `0\r\n\r\n${SMUGGLED}`),
  },
  {
    name: "TE folded (obs-fold)",
    raw: post("Transfer-Encoding:\r\n chunked\r\nContent-Length: 5\r\n", `0\r\n\r\n${SMUGGLED}`),
  },
  { name: "two different Content-Lengths", raw: post("Content-Length: 2\r\nContent-Length: 60\r\n", `{}${SMUGGLED}`) },
  { name: "Content-Length with a sign", raw: post("Content-Length: +2\r\n", `{}${SMUGGLED}`) },
  { name: "Content-Length in hex", raw: post("Content-Length: 0x2\r\n", `{}${SMUGGLED}`) },
  {
    name: "chunk size overflow",
    raw: post("Transfer-Encoding: chunked\r\n", `FFFFFFFFFFFFFFFFF2\r\n{}\r\n0\r\n\r\n${SMUGGLED}`),
  },
  { name: "chunk with a bare LF", raw: post("Transfer-Encoding: chunked\r\n", `2\n{}\r\n0\r\n\r\n${SMUGGLED}`) },
  { name: "chunk size with a space", raw: post("Transfer-Encoding: chunked\r\n", `2 \r\n{}\r\n0\r\n\r\n${SMUGGLED}`) },
];

/** Variants of a path that requires a signed-in user: none may reach it unauthenticated, none may fail. */
export const PATH_VARIANTS: readonly string[] = [
  "/api/v1/auth/sessions",
  "/api/v1/auth/sessions/",
  "//api/v1/auth/sessions",
  "/api/v1/auth/./sessions",
  "/api/v1/x/../auth/sessions",
  "/api/v1/auth/%73essions",
  "/api/v1/auth%2fsessions",
  "/api/v1/auth/sessions;x=1",
  "/api/v1/auth/sessions%00",
  "/api/v1/auth/sessions%2e",
  "/API/V1/AUTH/SESSIONS",
  "/api/v1/auth/sessions?x=%zz",
  "/api/auth/sessions",
  "/api/v1/auth/sessions/..;/",
  `/api/v1/auth/sessions/${"a".repeat(5000)}`,
];

/** Sends `raw` then waits for the server to close the connection or 1.5 s; resolves with what came back. */
export async function sendAndCollect(address: string, raw: string): Promise<string> {
  const connection = await openRaw(address);
  await writeAll(connection.socket, Buffer.from(raw, "latin1"));
  await Promise.race([connection.closed, new Promise((resolve) => setTimeout(resolve, 1500))]);
  connection.socket.destroy();
  return connection.received();
}
