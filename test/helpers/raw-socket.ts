import { once } from "node:events";
import { connect, type Socket } from "node:net";

/** A raw TCP connection to a listening test server, for what HTTP clients will not do (trickle, lie, overflow). */
export interface RawConnection {
  readonly socket: Socket;
  /** Everything the server has sent so far. */
  received(): string;
  /** Resolves when the server has closed the connection (or it failed). */
  readonly closed: Promise<void>;
  /** Resolves once a complete status line has arrived. */
  statusLine(): Promise<string>;
}

/** `allowHalfOpen`: keep sending after the server has closed its side, as a proxy writing a body does. */
export async function openRaw(address: string, options: { allowHalfOpen?: boolean } = {}): Promise<RawConnection> {
  const { hostname, port } = new URL(address);
  const socket = connect({ port: Number(port), host: hostname, allowHalfOpen: options.allowHalfOpen ?? false });
  await once(socket, "connect");
  let data = "";
  const waiting: (() => void)[] = [];
  socket.on("data", (chunk: Buffer) => {
    data += chunk.toString("latin1");
    for (const wake of waiting.splice(0)) wake();
  });
  const closed = new Promise<void>((resolve) => {
    socket.once("close", () => {
      for (const wake of waiting.splice(0)) wake();
      resolve();
    });
  });
  // A reset after the server refused the rest of a body is expected in these tests.
  socket.on("error", () => {});
  return {
    socket,
    received: () => data,
    closed,
    async statusLine() {
      while (!data.includes("\r\n") && !socket.destroyed) await new Promise<void>((r) => waiting.push(r));
      return data.split("\r\n")[0] ?? "";
    },
  };
}

/** Writes, waiting for the socket to drain; false when the server has stopped reading or closed. */
export async function writeAll(socket: Socket, chunk: string | Buffer): Promise<boolean> {
  if (socket.destroyed || socket.writableEnded) return false;
  if (socket.write(chunk)) return true;
  const drained = await Promise.race([
    once(socket, "drain").then(() => true),
    once(socket, "close").then(() => false),
    new Promise<boolean>((r) => setTimeout(() => r(false), 2000)),
  ]);
  return drained;
}
