import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  readonly lines: Record<string, unknown>[];
  readonly stderr: string[];
  /** Resolves with the exit code (or signal name) once the process has ended. */
  exited(): Promise<number | string>;
}

const ROOT = new URL("../../", import.meta.url).pathname;

/**
 * Starts the real `rampart` server process on an ephemeral port and waits until it listens.
 * `argv` is the script and its arguments: `src/main.ts` by default, or the CLI's
 * `src/cli/main.ts serve` as an operator (and `bin/rampart`) runs it.
 */
export async function startServerProcess(
  env: Record<string, string>,
  timeoutMs = 15_000,
  argv: readonly string[] = ["src/main.ts"],
): Promise<ServerProcess> {
  // Never the checkout's ./data: a test's server gets its own database and keys unless it names a directory.
  const ownDataDir = env.DATA_DIR === undefined ? mkdtempSync(join(tmpdir(), "rampart-server-")) : undefined;
  const child = spawn(process.execPath, [...argv], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      APP_ENV: "test",
      PORT: "0",
      LOG_FORMAT: "json",
      ...(ownDataDir ? { DATA_DIR: ownDataDir } : {}),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (ownDataDir) child.once("exit", () => rmSync(ownDataDir, { recursive: true, force: true }));
  const lines: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  // 'close', not 'exit': 'exit' can come before the last lines on stdout were read, and a
  // test that reads the log after exiting (e.g. "all workers stopped") would miss them.
  const exit = once(child, "close").then(([code, signal]) => (code ?? signal) as number | string);
  createInterface({ input: child.stderr }).on("line", (l) => stderr.push(l));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Not left running behind a failed test (nothing else holds its handle).
      child.kill("SIGKILL");
      reject(new Error(`server did not start: ${stderr.join("\n")}`));
    }, timeoutMs);
    exit.then((code) => {
      const said = lines.filter((l) => l.level === "fatal" || l.level === "error").map((l) => l.msg);
      reject(new Error(`server exited with ${code} before listening: ${[...said, ...stderr].join("\n")}`));
    });
    createInterface({ input: child.stdout }).on("line", (line) => {
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        lines.push(parsed);
        if (parsed.msg === "rampart listening") {
          clearTimeout(timer);
          resolve(String(parsed.address));
        }
      } catch {
        stderr.push(line);
      }
    });
  });
  return { url, child, lines, stderr, exited: () => exit };
}
