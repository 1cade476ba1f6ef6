import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { auditBench } from "./audit.ts";
import { type Scenario, scenarios } from "./scenarios.ts";
import { webhooksBench } from "./webhooks.ts";

// Load comes from a separate autocannon process so the load generator does not share
// the server's event loop. Loopback only, bounded duration.
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ONLY = process.env.BENCH_ONLY;
const ROOT = new URL("../", import.meta.url).pathname;
const run = promisify(execFile);

interface Result {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** Server CPU time (user + system, all threads) per request answered during the load. */
  cpuMicros: string;
}

async function waitForLine(child: ChildProcess, match: (line: Record<string, unknown>) => string | undefined) {
  if (!child.stdout) throw new Error("no stdout");
  const rl = createInterface({ input: child.stdout });
  for await (const line of rl) {
    try {
      const found = match(JSON.parse(line));
      if (found) return found;
    } catch {}
  }
  throw new Error("server exited before listening");
}

async function startTarget(scenario: Scenario, dataDir: string): Promise<{ url: string; child: ChildProcess }> {
  if (scenario.target !== "rampart") {
    const child = spawn(process.execPath, [`bench/${scenario.target}-server.ts`], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "inherit"],
    });
    const port = await waitForLine(child, (l) => (l.port ? String(l.port) : undefined));
    return { url: `http://127.0.0.1:${port}`, child };
  }
  const child = spawn(process.execPath, ["src/main.ts"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      APP_ENV: "test",
      PORT: "0",
      LOG_FORMAT: "json",
      LOG_LEVEL: "info",
      DATA_DIR: dataDir,
      ...scenario.env,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await waitForLine(child, (l) => (l.msg === "rampart listening" ? String(l.address) : undefined));
  // Every request still writes its log line; drain it so logging costs what it costs in production.
  child.stdout?.resume();
  return { url, child };
}

async function load(
  scenario: Scenario,
  url: string,
  headers: Record<string, string>,
  seconds: number,
  serverPid: number | undefined,
): Promise<Result> {
  const cpuBefore = cpuSeconds(serverPid);
  const args = ["-j", "-c", String(CONNECTIONS), "-d", String(seconds), "-m", scenario.method ?? "GET"];
  for (const [k, v] of Object.entries(headers)) args.push("-H", `${k}=${v}`);
  args.push(`${url}${scenario.path}`);
  const { stdout } = await run(join(ROOT, "node_modules/.bin/autocannon"), args, { maxBuffer: 16 * 1024 * 1024 });
  const report = JSON.parse(stdout);
  const cpuAfter = cpuSeconds(serverPid);
  const answered = report.requests.total as number;
  const cpuMicros =
    cpuBefore === undefined || cpuAfter === undefined || answered === 0
      ? "—"
      : (((cpuAfter - cpuBefore) / answered) * 1e6).toFixed(1);
  return {
    name: scenario.name,
    rps: Math.round(report.requests.average),
    p50: report.latency.p50,
    p99: report.latency.p99,
    errors: report.errors + report.timeouts,
    non2xx: report.non2xx,
    cpuMicros,
  };
}

// /proc/<pid>/stat counts in clock ticks; Linux reports them at USER_HZ, 100 per second on every
// mainstream architecture.
const TICKS_PER_SECOND = 100;

/**
 * The server's CPU time so far (Linux /proc), or undefined where that is not readable.
 * Requests per second tell how fast the pair of processes went; CPU per request tells what
 * the server itself spent, which does not depend on whether the server or the load
 * generator — the two share this machine's cores — was the bottleneck of the run.
 */
function cpuSeconds(pid: number | undefined): number | undefined {
  try {
    // Fields after the ")" closing the command name: utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks / TICKS_PER_SECOND : undefined;
  } catch {
    return undefined;
  }
}

/** The process's peak resident memory in MiB (Linux /proc), or "—" where that is not readable. */
function peakRssMiB(pid: number | undefined): string {
  try {
    const kib = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kib === undefined ? "—" : String(Math.round(Number(kib) / 1024));
  } catch {
    return "—";
  }
}

async function main() {
  const results = new Map<string, Result>();
  const selected = scenarios.filter(
    (s) =>
      !ONLY ||
      s.name.includes(ONLY) ||
      scenarios.some((o) => o.name === s.name && s.name === ONLY) ||
      s.target !== "rampart",
  );
  let failed = false;
  process.stdout.write(
    `Rampart bench — ${new Date().toISOString().slice(0, 10)} — ${cpus()[0]?.model ?? "cpu"} × ${cpus().length}, Node ${process.version}, ${CONNECTIONS} connections, ${DURATION_S} s each after ${WARMUP_S} s warm-up\n\n`,
  );
  process.stdout.write(
    "| scenario | req/s | p50 ms | p99 ms | errors | non-2xx | vs baseline | server CPU µs/req | peak RSS MiB |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
  );
  for (const scenario of selected) {
    const dataDir = mkdtempSync(join(tmpdir(), "rampart-bench-"));
    const extra = await scenario.setup?.();
    const { url, child } = await startTarget({ ...scenario, env: { ...scenario.env, ...extra?.env } }, dataDir);
    try {
      const prepared = await scenario.prepare?.(url, dataDir);
      const headers = prepared?.headers ?? {};
      const target = { ...scenario, path: prepared?.path ?? scenario.path };
      // Warm up first so the JIT has compiled the hot path before we measure.
      await load(target, url, headers, WARMUP_S, child.pid);
      const result = await load(target, url, headers, DURATION_S, child.pid);
      results.set(scenario.name, result);
      let versus = "";
      const base = scenario.baseline ? results.get(scenario.baseline) : undefined;
      if (base) {
        const percent = Math.round((result.rps / base.rps) * 1000) / 10;
        versus = `${percent}%${scenario.targetPercent ? ` (target ≥ ${scenario.targetPercent}%)` : ""}`;
        if (scenario.targetPercent && percent < scenario.targetPercent) failed = true;
      }
      if (result.errors > 0 || result.non2xx > 0) failed = true;
      process.stdout.write(
        `| ${result.name} | ${result.rps} | ${result.p50} | ${result.p99} | ${result.errors} | ${result.non2xx} | ${versus} | ${result.cpuMicros} | ${peakRssMiB(child.pid)} |\n`,
      );
    } finally {
      child.kill("SIGTERM");
      await once(child, "exit");
      rmSync(dataDir, { recursive: true, force: true });
      await extra?.cleanup();
    }
  }
  // Not an HTTP load: the audit trail's append rate and the export's memory, in process.
  if ((!ONLY || ONLY.includes("audit")) && !(await auditBench(process.stdout))) failed = true;
  if (!ONLY || ONLY.includes("webhooks")) await webhooksBench(process.stdout);
  if (failed) {
    process.stdout.write("\nFAILED: a scenario missed its target or saw errors.\n");
    process.exitCode = 1;
  }
}

await main();
