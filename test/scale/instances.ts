import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createWriteStream } from "node:fs";
import { createServer } from "node:net";
import { createInterface } from "node:readline";

const ROOT = new URL("../../", import.meta.url).pathname;

/**
 * A free loopback port below Linux's ephemeral range (32768–60999): the instances restart and
 * nginx starts seconds after the ports are chosen, and a port from the ephemeral range can be
 * taken meanwhile by any outgoing connection (to PostgreSQL, Redis, between the processes).
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once("error", () => resolve(false));
      server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

/** Runs a `rampart` command against the deployment's database and Redis; throws unless it exits 0. */
export function rampartCli(args: readonly string[], env: Record<string, string>): string {
  const result = spawnSync(process.execPath, ["src/cli/main.ts", ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", ...env },
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`rampart ${args.join(" ")} failed: ${result.stderr}`);
  return result.stdout;
}

/** `rampart migrate up`, as a deploy step before the instances start (production does not migrate on start). */
export function migrate(env: Record<string, string>): void {
  rampartCli(["migrate", "up"], env);
}

export interface Instance {
  readonly name: string;
  readonly port: number;
  child: ChildProcess;
  start(): Promise<void>;
  /** Resolves with the exit code or signal. */
  stop(signal: NodeJS.Signals): Promise<number | string>;
}

/**
 * One Rampart instance as a real process (`rampart serve`) on a fixed loopback port, its
 * JSON log appended to `logFile`. Ready once it logs that it listens (every worker, in cluster mode).
 */
export function instance(
  name: string,
  port: number,
  env: Record<string, string>,
  logFile: string,
  startTimeoutMs = 60_000,
): Instance {
  const log = createWriteStream(logFile, { flags: "a" });
  const self: Instance = {
    name,
    port,
    child: undefined as unknown as ChildProcess,
    async start() {
      // As npm start and the image start it: the production bundle when one was built from this
      // tree (npm ci builds it), so the scale run exercises what production runs.
      const child = spawn(process.execPath, ["bin/rampart.js", "serve"], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? "", ...env, PORT: String(port), HOST: "127.0.0.1", LOG_FORMAT: "json" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      self.child = child;
      const stdout = child.stdout;
      if (!stdout) throw new Error("no stdout pipe");
      child.stderr?.pipe(log, { end: false });
      const readyLine = env.WORKERS && env.WORKERS !== "1" ? "all workers listening" : "rampart listening";
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${name} did not start within ${startTimeoutMs / 1000} s (see ${logFile})`)),
          startTimeoutMs,
        );
        child.once("exit", (code) => reject(new Error(`${name} exited with ${code} while starting (see ${logFile})`)));
        createInterface({ input: stdout }).on("line", (line) => {
          log.write(`${line}\n`);
          if (line.includes(`"msg":"${readyLine}"`)) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
    },
    stop(signal) {
      const child = self.child;
      if (child.exitCode !== null || child.signalCode !== null) {
        return Promise.resolve((child.exitCode ?? child.signalCode) as number | string);
      }
      const exited = new Promise<number | string>((resolve) =>
        child.once("exit", (code, sig) => resolve((code ?? sig) as number | string)),
      );
      child.kill(signal);
      return exited;
    },
  };
  return self;
}
