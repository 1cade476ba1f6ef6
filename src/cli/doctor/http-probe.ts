import type { ClientRequest, IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { http } from "../../platform/node-http.ts";

export interface ProbeRequest {
  readonly method?: string;
  /** Path and query, relative to the base URL's origin (the base path is prepended). */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Stream a JSON body of about this many bytes with Transfer-Encoding: chunked (no Content-Length). */
  readonly chunkedBytes?: number;
  /** Another base than --url, e.g. the metrics listener. */
  readonly base?: URL;
}

export interface ProbeResponse {
  readonly status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  /** At most BODY_CAP bytes, as UTF-8. */
  readonly body: string;
  /** Body bytes written before the answer came (chunked probes). */
  readonly bytesSent: number;
}

/** Could not get an answer: connection refused, DNS, TLS, reset, timeout. The message is the evidence. */
export class ProbeError extends Error {
  readonly code: string;
  readonly kind: "connect" | "tls" | "timeout";
  constructor(code: string, message: string, kind: ProbeError["kind"] = "connect") {
    super(message);
    this.code = code;
    this.kind = kind;
  }
}

// Error bodies are small; the cap only bounds what a misbehaving server can make us hold.
const BODY_CAP = 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, "a");

const TLS_CODES = /^(ERR_SSL_|ERR_TLS_|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_(GET|VERIFY))/;

function describeError(error: NodeJS.ErrnoException, target: string, https: boolean): ProbeError {
  const code = error.code ?? "ERR";
  if (error instanceof ProbeError) return error;
  // EPROTO: the peer does not speak TLS at all (e.g. https:// to a plain http port).
  if (TLS_CODES.test(code) || (https && code === "EPROTO"))
    return new ProbeError(code, `TLS error talking to ${target}: ${code} (${error.message})`, "tls");
  if (code === "ECONNREFUSED") return new ProbeError(code, `connection refused by ${target}`);
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return new ProbeError(code, `cannot resolve host of ${target}`);
  if (code === "ECONNRESET" || code === "EPIPE")
    return new ProbeError(code, `${target} closed the connection without an answer`);
  return new ProbeError(code, `${target}: ${code} ${error.message}`);
}

/** The URL a probe path resolves to: the base's path prefix (a deployment under /rampart) is kept. */
export function probeUrl(base: URL, path: string): URL {
  const prefix = base.pathname.replace(/\/+$/, "");
  return new URL(`${prefix}${path}`, base.origin);
}

/**
 * One HTTP exchange with plain node:http — not fetch, which refuses to set Host and would
 * buffer or reshape the raw cases (a chunked 11 MiB body, a foreign Host). A fresh
 * connection each time (no agent), so one probe's broken connection cannot affect another.
 */
export function sendProbe(base: URL, probe: ProbeRequest, timeoutMs: number): Promise<ProbeResponse> {
  const url = probeUrl(probe.base ?? base, probe.path);
  const target = `${probe.method ?? "GET"} ${url.href}`;
  const send = url.protocol === "https:" ? httpsRequest : http.request;
  const headers: Record<string, string> = { "user-agent": "rampart-doctor", ...probe.headers };
  if (probe.body !== undefined) headers["content-length"] = String(Buffer.byteLength(probe.body));
  if (probe.chunkedBytes !== undefined) headers["transfer-encoding"] = "chunked";

  return new Promise<ProbeResponse>((resolve, reject) => {
    let bytesSent = 0;
    let answered = false;
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    const req: ClientRequest = send(url, { method: probe.method ?? "GET", headers, agent: false });
    const timer = setTimeout(() => {
      const error = new ProbeError("ETIMEDOUT", `no answer from ${target} within ${timeoutMs} ms`, "timeout");
      settle(() => reject(error));
      req.destroy();
    }, timeoutMs);
    req.on("error", (error: NodeJS.ErrnoException) => {
      // A reset after the answer arrived (a server cutting off an oversized body) changes nothing.
      if (answered) return;
      const described = describeError(error, target, url.protocol === "https:");
      const withBytes =
        (described.code === "ECONNRESET" || described.code === "EPIPE") && bytesSent > 0
          ? new ProbeError(described.code, `${described.message} after ${bytesSent} body bytes`, described.kind)
          : described;
      settle(() => reject(withBytes));
    });
    req.on("response", (res: IncomingMessage) => {
      answered = true;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        if (size < BODY_CAP) chunks.push(chunk);
        size += chunk.length;
      });
      const finish = () =>
        settle(() => {
          resolve({
            status: res.statusCode ?? 0,
            headers: headersOf(res),
            body: Buffer.concat(chunks).subarray(0, BODY_CAP).toString("utf8"),
            bytesSent,
          });
          // Stop uploading what the server has already refused.
          req.destroy();
        });
      res.on("end", finish);
      res.on("error", finish);
      res.on("aborted", finish);
    });
    if (probe.chunkedBytes !== undefined) {
      void streamBody(
        req,
        probe.chunkedBytes,
        (n) => {
          bytesSent += n;
        },
        () => answered || settled,
      );
    } else {
      req.end(probe.body);
    }
  });
}

/** Writes `{"pad":"aaa…"}` of about `total` bytes in 64 KiB chunks, honouring backpressure. */
async function streamBody(
  req: ClientRequest,
  total: number,
  sent: (n: number) => void,
  stop: () => boolean,
): Promise<void> {
  const open = Buffer.from('{"pad":"');
  const close = Buffer.from('"}');
  const write = (chunk: Buffer) =>
    new Promise<boolean>((resolve) => {
      if (stop() || req.destroyed) return resolve(false);
      const flushed = req.write(chunk);
      sent(chunk.length);
      if (flushed) return resolve(true);
      const onDrain = () => {
        req.off("close", onClose);
        resolve(true);
      };
      const onClose = () => {
        req.off("drain", onDrain);
        resolve(false);
      };
      req.once("drain", onDrain);
      req.once("close", onClose);
    });
  if (!(await write(open))) return;
  let remaining = total - open.length - close.length;
  while (remaining > 0) {
    const chunk = remaining >= CHUNK.length ? CHUNK : CHUNK.subarray(0, remaining);
    if (!(await write(chunk))) return;
    remaining -= chunk.length;
  }
  if (await write(close)) req.end();
}

function headersOf(res: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}
