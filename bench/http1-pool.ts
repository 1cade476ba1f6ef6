import { connect, type Socket } from "node:net";

// The paced generator's HTTP/1.1 client: keep-alive sockets, one request in flight on each,
// requests written as prepared bytes and responses framed by Content-Length or chunked
// encoding, nothing parsed beyond that and the status code. It shares a two-core machine with
// the server it measures: at 6,500 req/s it took about half the CPU undici's Pool took for
// the same requests (docs/benchmarks.md), CPU the server would otherwise wait for.

/** Called once per request: the status code, or an error when the connection failed or closed first. */
export type Answered = (error: Error | undefined, status: number) => void;

const HEAD_END = Buffer.from("\r\n\r\n");
const CRLF = Buffer.from("\r\n");

/** Where the response at the start of `data` ends, or -1 while it is incomplete. */
export function responseEnd(data: Buffer): number {
  return framed(data)?.end ?? -1;
}

/** The response at the start of `data`: where it ends and its head, lower-cased; undefined while incomplete. */
function framed(data: Buffer): { end: number; head: string } | undefined {
  const headEnd = data.indexOf(HEAD_END);
  if (headEnd < 0) return undefined;
  const head = data.toString("latin1", 0, headEnd).toLowerCase();
  const bodyStart = headEnd + HEAD_END.length;
  const length = /\r\ncontent-length:[ \t]*(\d+)/.exec(head);
  if (length) {
    const end = bodyStart + Number(length[1]);
    return data.length >= end ? { end, head } : undefined;
  }
  if (!/\r\ntransfer-encoding:[^\r]*chunked/.test(head)) return { end: bodyStart, head };
  let at = bodyStart;
  for (;;) {
    const lineEnd = data.indexOf(CRLF, at);
    if (lineEnd < 0) return undefined;
    const size = Number.parseInt(data.toString("latin1", at, lineEnd), 16);
    if (size === 0) {
      // The last chunk, then trailers (none expected) and an empty line.
      const end = data.indexOf(CRLF, lineEnd + 2);
      return end < 0 ? undefined : { end: end + 2, head };
    }
    at = lineEnd + 2 + size + 2;
    if (at > data.length) return undefined;
  }
}

class Connection {
  private socket: Socket | undefined;
  private received: Buffer = Buffer.alloc(0);
  private answered: Answered | undefined;
  /** The request in flight, and whether it went out on a socket kept alive from an earlier one. */
  private request: Buffer | undefined;
  private reused = false;
  private readonly host: string;
  private readonly port: number;
  private readonly onFree: (connection: Connection) => void;

  constructor(host: string, port: number, onFree: (connection: Connection) => void) {
    this.host = host;
    this.port = port;
    this.onFree = onFree;
  }

  send(request: Buffer, answered: Answered): void {
    this.answered = answered;
    this.request = request;
    this.reused = this.socket !== undefined;
    if (this.socket === undefined) this.open();
    this.socket?.write(request);
  }

  close(): void {
    this.socket?.destroy();
  }

  private open(): void {
    const socket = connect({ host: this.host, port: this.port, noDelay: true });
    this.socket = socket;
    this.received = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", () => {});
    socket.on("close", () => {
      // A server may close a kept-alive connection between requests: the next one opens anew.
      if (this.socket === socket) this.socket = undefined;
      // Closed while the request was on its way on a kept-alive socket, nothing answered: the
      // server closed an idle connection as it arrived. Sent once more on a fresh one, as
      // HTTP clients do; a fresh connection that fails is an error.
      if (this.answered && this.request && this.reused && this.received.length === 0) {
        this.send(this.request, this.answered);
        return;
      }
      this.settle(new Error("connection closed before the response"), 0);
    });
  }

  private onData(chunk: Buffer): void {
    this.received = this.received.length === 0 ? chunk : Buffer.concat([this.received, chunk]);
    const response = framed(this.received);
    if (response === undefined) return;
    const status = Number(response.head.slice(9, 12));
    const closing = /\r\nconnection:[ \t]*close/.test(response.head);
    this.received = this.received.subarray(response.end);
    if (closing) {
      // The server closes this one after its answer: the next request opens another.
      this.socket?.destroy();
      this.socket = undefined;
    }
    this.settle(undefined, status);
  }

  private settle(error: Error | undefined, status: number): void {
    const answered = this.answered;
    if (answered === undefined) return;
    this.answered = undefined;
    this.request = undefined;
    answered(error, status);
    this.onFree(this);
  }
}

/** `connections` sockets to `url`'s host; a request waits for a free one, in order. */
export class Http1Pool {
  private readonly free: Connection[] = [];
  private readonly all: Connection[] = [];
  private readonly waiting: Array<{ request: Buffer; answered: Answered } | undefined> = [];
  private nextWaiting = 0;

  constructor(url: string, connections: number) {
    const { hostname, port } = new URL(url);
    for (let i = 0; i < connections; i++) {
      const connection = new Connection(hostname, Number(port || 80), (c) => this.release(c));
      this.all.push(connection);
      this.free.push(connection);
    }
  }

  request(request: Buffer, answered: Answered): void {
    // The longest idle first: every connection stays in use, none idles long enough for the
    // server to close it as a request goes out.
    const connection = this.free.shift();
    if (connection) connection.send(request, answered);
    else this.waiting.push({ request, answered });
  }

  close(): void {
    for (const connection of this.all) connection.close();
  }

  private release(connection: Connection): void {
    const next = this.waiting[this.nextWaiting];
    if (next === undefined) {
      this.free.push(connection);
      return;
    }
    // An index instead of shift(): a backlog of thousands stays O(1) per request.
    this.waiting[this.nextWaiting++] = undefined;
    if (this.nextWaiting === this.waiting.length) {
      this.waiting.length = 0;
      this.nextWaiting = 0;
    }
    connection.send(next.request, next.answered);
  }
}
