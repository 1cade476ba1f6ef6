import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

export interface ReceivedMessage {
  readonly id: string;
  readonly type: string;
  readonly companyId: string;
  readonly at: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The request path: one receiver may serve several endpoints. */
  readonly path: string;
}

/** What the receiver answers to a request: a status (and headers), or `reset` (the connection drops). */
export type Answer = { status: number; headers?: Record<string, string>; delayMs?: number } | "reset" | "hang";

/**
 * A customer's webhook receiver (node:http on 127.0.0.1, port 0). Every request is checked
 * with the `standardwebhooks` package — the scheme's reference implementation, not
 * Rampart's code — against the secrets set with `trust`; a request that verifies with none
 * is recorded in `badSignatures` and answered 400.
 */
export class WebhookReceiver {
  readonly server: Server;
  /** Every request that verified, in arrival order (duplicates included). */
  readonly requests: ReceivedMessage[] = [];
  readonly badSignatures: string[] = [];
  /** Every request's arrival time, including the ones answered with an error. */
  readonly attempts: { id: string; at: number; answer: string }[] = [];
  /** Requests being handled now, by webhook-id, and the most ever seen at once for one id. */
  readonly inFlight = new Map<string, number>();
  maxConcurrentPerId = 0;
  answer: (n: number, id: string) => Answer = () => ({ status: 204 });
  #secrets: string[] = [];
  #count = 0;

  constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        const id = String(req.headers["webhook-id"] ?? "");
        // A message is "the same" per endpoint: the receiver may serve several endpoints by path.
        const slot = `${req.url} ${id}`;
        const n = ++this.#count;
        const answer = this.answer(n, id);
        this.attempts.push({ id, at: Date.now(), answer: typeof answer === "string" ? answer : String(answer.status) });
        if (answer === "reset") {
          req.socket.destroy();
          return;
        }
        const current = (this.inFlight.get(slot) ?? 0) + 1;
        this.inFlight.set(slot, current);
        this.maxConcurrentPerId = Math.max(this.maxConcurrentPerId, current);
        const done = () => this.inFlight.set(slot, (this.inFlight.get(slot) ?? 1) - 1);
        if (answer === "hang") {
          req.socket.on("close", done);
          return;
        }
        const verified = this.#secrets.some((secret) => {
          try {
            new Webhook(secret).verify(body, req.headers as Record<string, string>);
            return true;
          } catch {
            return false;
          }
        });
        if (!verified) {
          this.badSignatures.push(id);
          done();
          res.writeHead(400).end();
          return;
        }
        setTimeout(() => {
          if (answer.status >= 200 && answer.status < 300) {
            const parsed = JSON.parse(body) as { type: string; data: { companyId: string } };
            this.requests.push({
              id,
              type: parsed.type,
              companyId: parsed.data.companyId,
              at: Date.now(),
              headers: req.headers,
              body,
              path: String(req.url),
            });
          }
          done();
          res.writeHead(answer.status, answer.headers ?? {}).end();
        }, answer.delayMs ?? 0);
      });
    });
  }

  /** Accepts signatures made with this secret too. */
  trust(secret: string): void {
    this.#secrets.push(secret);
  }

  async listen(port = 0): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(port, "127.0.0.1", resolve));
    return this.url;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  /** The messages received, each webhook-id once (first arrival), in arrival order. */
  unique(): ReceivedMessage[] {
    const seen = new Set<string>();
    return this.requests.filter((m) => {
      if (seen.has(m.id)) return false;
      seen.add(m.id);
      return true;
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
