import { setTimeout as sleep } from "node:timers/promises";
import { send } from "../scale/load.ts";

/** One answer (or its absence: status 0) as the load generator saw it. */
export interface Answered {
  readonly kind: "write" | "read" | "login";
  readonly status: number;
  readonly problem: boolean;
  readonly error?: string;
  readonly startedAt: number;
  readonly endedAt: number;
  /** For writes: the address registered. */
  readonly email?: string;
}

export interface Account {
  readonly email: string;
  readonly password: string;
  readonly accessToken: string;
}

export interface MixedLoad {
  readonly answers: Answered[];
  /** Addresses whose registration was acknowledged (201). */
  readonly acknowledged: string[];
  /** `n` registrations at once (a burst of verification mails), on top of the steady loops. */
  burst(n: number): void;
  stop(): Promise<void>;
}

let sequence = 0;
/** A distinct client address per request, so the per-address limits measure nothing but the fault. */
function clientIp(): string {
  const n = ++sequence;
  // A loopback source address (test/scale/load.ts binds the connection to it), outside the
  // 127.100+ range the scale test's readers use.
  return `127.${20 + ((n >> 16) & 63)}.${(n >> 8) & 255}.${n & 255}`;
}

/** Registers an account and signs it in, before the load starts (the database is healthy then). */
export async function createAccount(base: string, runId: string, i: number): Promise<Account> {
  const email = `faults-${runId}-reader-${i}@example.test`;
  const password = `Faults ${runId} reader ${i} pass!`;
  const registered = await send(base, "POST", "/api/v1/auth/register", {
    body: { email, password, name: `Reader ${i}` },
    clientIp: clientIp(),
  });
  if (registered.status !== 201) throw new Error(`register ${email}: ${registered.status} ${registered.body}`);
  const login = await send(base, "POST", "/api/v1/auth/login", {
    body: { email, password, clientType: "native" },
    clientIp: clientIp(),
  });
  if (login.status !== 200) throw new Error(`login ${email}: ${login.status} ${login.body}`);
  return { email, password, accessToken: (JSON.parse(login.body) as { accessToken: string }).accessToken };
}

/**
 * A steady mixed load, small enough for a shared 2-core machine: `writers` loops registering
 * new accounts (each acknowledged registration is a row and a verification mail that must
 * not be lost), `readers` loops of an authenticated read (`GET /users/me`), and one loop of
 * logins (argon2: the expensive path). Every answer is kept with its timing.
 */
export function startMixedLoad(
  base: string,
  accounts: readonly Account[],
  {
    runId,
    writers = 2,
    readers = 2,
    pauseMs = 20,
  }: { runId: string; writers?: number; readers?: number; pauseMs?: number },
): MixedLoad {
  let running = true;
  const answers: Answered[] = [];
  const acknowledged: string[] = [];
  async function one(
    kind: Answered["kind"],
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string> },
    email?: string,
  ) {
    const startedAt = Date.now();
    try {
      const answer = await send(base, method, path, { ...options, clientIp: clientIp() });
      const problem = answer.contentType?.startsWith("application/problem+json") === true;
      answers.push({ kind, status: answer.status, problem, startedAt, endedAt: Date.now(), email });
      if (kind === "write" && answer.status === 201 && email) acknowledged.push(email);
    } catch (error) {
      answers.push({
        kind,
        status: 0,
        problem: false,
        error: (error as Error).message,
        startedAt,
        endedAt: Date.now(),
        email,
      });
    }
  }
  const register = (w: number | string, n: number) => {
    const email = `faults-${runId}-w${w}-${n}@example.test`;
    return one(
      "write",
      "POST",
      "/api/v1/auth/register",
      { body: { email, password: `Faults ${runId} ${w} ${n} pass!`, name: `Writer ${w} ${n}` } },
      email,
    );
  };
  async function writer(w: number) {
    for (let n = 0; running; n++) {
      await register(w, n);
      await sleep(pauseMs);
    }
  }
  let bursts = 0;
  async function reader(r: number) {
    for (let n = 0; running; n++) {
      const account = accounts[(r + n) % accounts.length] as Account;
      await one("read", "GET", "/api/v1/users/me", { headers: { authorization: `Bearer ${account.accessToken}` } });
      await sleep(pauseMs);
    }
  }
  async function logins() {
    for (let n = 0; running; n++) {
      const account = accounts[n % accounts.length] as Account;
      await one("login", "POST", "/api/v1/auth/login", {
        body: { email: account.email, password: account.password, clientType: "native" },
      });
      await sleep(pauseMs * 10);
    }
  }
  const loops = [
    ...Array.from({ length: writers }, (_, w) => writer(w)),
    ...Array.from({ length: readers }, (_, r) => reader(r)),
    logins(),
  ];
  return {
    answers,
    acknowledged,
    burst(n) {
      const b = ++bursts;
      for (let i = 0; i < n; i++) loops.push(register(`burst${b}`, i));
    },
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

/**
 * What a client may see during a fault: a success, or a 503/429 problem it can retry. A 500,
 * any other status, or no answer at all (reset, timeout) is a failure of the fault handling.
 */
export function acceptable(a: Answered): boolean {
  if (a.status >= 200 && a.status < 300) return true;
  return (a.status === 503 || a.status === 429) && a.problem;
}
