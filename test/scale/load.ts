import { Agent, request } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";

export interface Outcome {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly error?: string;
  readonly upstream?: string;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly phase: string;
  /** For writes: the email registered. */
  readonly email?: string;
}

export interface Answer {
  readonly status: number;
  readonly contentType?: string;
  readonly upstream?: string;
  readonly body: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 16 });
// A client address is used for a request or two: pooling each would leave hundreds of idle connections open.
const oneShot = new Agent({ keepAlive: false });

/**
 * One request through the load balancer, on a pooled keep-alive connection like a real client's.
 * `clientIp` (a 127.0.0.0/8 address) is the address the request comes from: the connection is
 * bound to it, so nginx sees it as the client's address and sets X-Forwarded-For to it, as the
 * shipped edge does for a real client (a client's own X-Forwarded-For is never passed on).
 */
export function send(
  base: string,
  method: string,
  path: string,
  options: { body?: unknown; clientIp?: string; pooled?: boolean; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}${path}`,
      {
        method,
        agent: options.clientIp && !options.pooled ? oneShot : agent,
        timeout: 30_000,
        ...(options.clientIp ? { localAddress: options.clientIp } : {}),
        headers: { ...(payload ? { "content-type": "application/json" } : {}), ...options.headers },
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => {
          body += chunk;
        });
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: res.headers["content-type"],
            upstream: res.headers["x-upstream"] as string | undefined,
            body,
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error("client timeout")));
    req.on("error", reject);
    req.end(payload);
  });
}

export interface Load {
  phase: string;
  readonly outcomes: Outcome[];
  /** Requests sent and not yet answered. */
  inFlight(): number;
  stop(): Promise<void>;
}

let writeSeq = 0;

/**
 * A steady, bounded load: `readers` loops of GETs (`/health` and the JWKS; not readiness,
 * whose 503 from a draining instance is meant for probes, not clients) and `writers` loops registering new users, each from its own client
 * loopback address so no rate limit is hit. Every loop pauses between requests: the point is
 * correctness on a shared 2-core machine, not throughput.
 */
export function startLoad(base: string, { readers = 2, writers = 1, pauseMs = 15, runId = "x" } = {}): Load {
  let running = true;
  let inFlight = 0;
  const state: Load = {
    phase: "warm-up",
    outcomes: [],
    inFlight: () => inFlight,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
  async function one(method: string, path: string, body?: unknown, clientIp?: string, email?: string) {
    const pooled = method === "GET";
    const startedAt = Date.now();
    const phase = state.phase;
    inFlight++;
    try {
      const answer = await send(base, method, path, { body, clientIp, pooled });
      state.outcomes.push({
        method,
        path,
        status: answer.status,
        upstream: answer.upstream,
        startedAt,
        endedAt: Date.now(),
        phase,
        email,
      });
    } catch (error) {
      state.outcomes.push({
        method,
        path,
        status: 0,
        error: (error as Error).message,
        startedAt,
        endedAt: Date.now(),
        phase,
        email,
      });
    } finally {
      inFlight--;
    }
  }
  async function reader(i: number) {
    for (let n = 0; running; n++) {
      // Each reader is eight clients, each well under the edge's anonymous rate (deploy/nginx.conf).
      await one("GET", n % 2 === 0 ? "/health" : "/.well-known/jwks.json", undefined, `127.50.${i}.${1 + (n % 8)}`);
      await sleep(pauseMs + i);
    }
  }
  async function writer() {
    while (running) {
      const seq = ++writeSeq;
      const email = `scale-${runId}-${seq}@example.test`;
      const clientIp = `127.${100 + ((seq >> 16) & 127)}.${(seq >> 8) & 255}.${seq & 255}`;
      await one(
        "POST",
        "/api/v1/auth/register",
        { email, password: `Scale-test ${runId} ${seq} pass!`, name: `Scale ${seq}` },
        clientIp,
        email,
      );
      await sleep(pauseMs);
    }
  }
  const loops = [
    ...Array.from({ length: readers }, (_, i) => reader(i)),
    ...Array.from({ length: writers }, () => writer()),
  ];
  return state;
}

/** What a user of the API would call a failure: no answer, or a 5xx. */
export function failed(o: Outcome): boolean {
  return o.status === 0 || o.status >= 500;
}
