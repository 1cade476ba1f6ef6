import { type ChildProcess, execFile, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { chownSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import pg from "pg";
import { type ParsedMail, startSmtpServer, type TestSmtpServer } from "../helpers/smtp.ts";

const PG_BIN = process.env.PG_BIN ?? "/usr/lib/postgresql/15/bin";

const run = promisify(execFile);

/**
 * Runs a PostgreSQL binary as the `postgres` user (initdb and postgres refuse to run as
 * root) — asynchronously, so the load keeps running while pg_ctl waits for the server.
 */
async function asPostgres(args: readonly string[]): Promise<void> {
  const command = process.getuid?.() === 0 ? ["runuser", "-u", "postgres", "--", ...args] : [...args];
  try {
    await run(command[0] as string, command.slice(1));
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`${args.join(" ")} failed: ${stderr}${stdout}`);
  }
}

export interface PrivatePostgres {
  readonly url: string;
  /** `pg_ctl stop -m fast` (clean shutdown) or `-m immediate` (a crash: recovery on the next start). */
  stop(mode: "fast" | "immediate"): Promise<void>;
  start(): Promise<void>;
  /** pg_terminate_backend on every client connection but the caller's; returns how many. */
  terminateAll(): Promise<number>;
  /** Holds an ACCESS EXCLUSIVE lock on `table` for `ms`: every statement touching it waits. */
  lockTable(table: string, ms: number): Promise<void>;
  destroy(): void;
}

/**
 * A PostgreSQL of the suite's own (initdb into `dir`, listening on `port` on loopback only):
 * the one machine's shared PostgreSQL is never stopped. fsync off: the faults here are
 * process crashes, not power cuts, and the page cache survives those.
 */
export async function startPrivatePostgres(dir: string, port: number): Promise<PrivatePostgres> {
  const data = join(dir, "pgdata");
  mkdirSync(data, { recursive: true });
  const uid = Number(spawnSync("id", ["-u", "postgres"], { encoding: "utf8" }).stdout.trim());
  const gid = Number(spawnSync("id", ["-g", "postgres"], { encoding: "utf8" }).stdout.trim());
  if (process.getuid?.() === 0) {
    chownSync(dir, uid, gid);
    chownSync(data, uid, gid);
  }
  await asPostgres([`${PG_BIN}/initdb`, "-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60`;
  const start = () =>
    asPostgres([`${PG_BIN}/pg_ctl`, "-D", data, "-o", options, "-l", join(dir, "pg.log"), "-w", "start"]);
  await start();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const admin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: url });
    client.on("error", () => {});
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end().catch(() => {});
    }
  };
  return {
    url,
    stop: (mode) => asPostgres([`${PG_BIN}/pg_ctl`, "-D", data, "-m", mode, "-w", "stop"]),
    start,
    terminateAll: () =>
      admin(async (client) => {
        const result = await client.query(
          "select pg_terminate_backend(pid) from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()",
        );
        return result.rowCount ?? 0;
      }),
    lockTable: (table, ms) =>
      admin(async (client) => {
        await client.query("begin");
        await client.query(`lock table ${table} in access exclusive mode`);
        await sleep(ms);
        await client.query("rollback");
      }),
    destroy() {
      spawnSync("runuser", ["-u", "postgres", "--", `${PG_BIN}/pg_ctl`, "-D", data, "-m", "immediate", "stop"]);
    },
  };
}

export interface PrivateRedis {
  readonly url: string;
  kill(): Promise<void>;
  start(): Promise<void>;
  /** SIGSTOP: the socket stays open and nothing answers — a Redis stuck in a long command or a swap storm. */
  pause(): void;
  resume(): void;
  destroy(): Promise<void>;
}

/** A redis-server of the suite's own on `port`, no persistence. */
export async function startPrivateRedis(port: number): Promise<PrivateRedis> {
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
      stdio: "ignore",
    });
    for (let i = 0; i < 100; i++) {
      const ok = await run("redis-cli", ["-p", String(port), "ping"]).then(
        (r) => r.stdout.trim() === "PONG",
        () => false,
      );
      if (ok) return;
      await sleep(50);
    }
    throw new Error(`redis-server on ${port} did not start`);
  };
  const kill = async () => {
    const current = child;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = once(current, "exit");
    current.kill("SIGKILL");
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    kill,
    start,
    pause: () => child?.kill("SIGSTOP"),
    resume: () => child?.kill("SIGCONT"),
    async destroy() {
      child?.kill("SIGCONT");
      await kill();
    },
  };
}

export interface FaultySmtp {
  readonly port: number;
  /** Every message accepted, across restarts. */
  received(): ParsedMail[];
  /** Stops listening and destroys every open SMTP connection at once, mid-conversation. */
  kill(): Promise<void>;
  start(): Promise<void>;
}

/** The test SMTP server, able to vanish abruptly and come back on the same port. */
export async function startFaultySmtp(port: number): Promise<FaultySmtp> {
  const servers: TestSmtpServer[] = [];
  let current: TestSmtpServer | undefined;
  const start = async () => {
    current = await startSmtpServer(port);
    servers.push(current);
  };
  await start();
  return {
    port,
    received: () => servers.flatMap((s) => s.received),
    start,
    async kill() {
      await current?.kill();
      current = undefined;
    },
  };
}
