import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { type AlternatingRatio, alternatingRatio, type MeasureRound, pooledOverPairs } from "./alternating.ts";
import { auditBench } from "./audit.ts";
import { BENCH_METRICS_TOKEN, growthWithoutYoung, memoryReading } from "./memory-growth.ts";
import type { PacedLoadReport } from "./paced-load.ts";
import { cpuSeconds, peakRssMiB, rssMiB } from "./proc.ts";
import { type Scenario, scenarios } from "./scenarios.ts";
import { webhooksBench } from "./webhooks.ts";

// Load comes from a separate autocannon process so the load generator does not share
// the server's event loop; the fixed-rate runs (p99 at half rate) from bench/paced-load.ts, an
// open-loop generator that counts latency from when each request was due. Loopback only,
// bounded duration.
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ONLY = process.env.BENCH_ONLY;
/** Extra node arguments for the Rampart process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile a scenario. */
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
/** Exact scenario names, one a line (`npm run claims -- --bench`); the references they compare with run too. */
const NAMES = process.env.BENCH_NAMES?.split("\n").filter(Boolean);
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

/** The reference servers, each a process of its own started and loaded exactly like Rampart. */
const REFERENCE_SERVERS: Record<Exclude<Scenario["target"], "rampart">, string> = {
  bare: "bench/bare-server.ts",
  floor: "bench/floor-server.ts",
  ceiling: "bench/references/ceiling-server.ts",
  express: "bench/references/express-server.ts",
};

interface Started {
  url: string;
  child: ChildProcess;
  /** From spawn to the server's "listening" line. */
  readyMs: number;
  /** Rampart's "bundle" or "sources" (its listening line). */
  build?: unknown;
}

async function startTarget(scenario: Scenario, dataDir: string): Promise<Started> {
  const started = performance.now();
  if (scenario.target !== "rampart") {
    const child = spawn(process.execPath, [REFERENCE_SERVERS[scenario.target]], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, ...scenario.env },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const port = await waitForLine(child, (l) => (l.port ? String(l.port) : undefined));
    return { url: `http://127.0.0.1:${port}`, child, readyMs: performance.now() - started };
  }
  // Started as production starts it (npm start, the image's CMD): the plain-JS entry enables
  // the compile cache before any TypeScript is loaded.
  const child = spawn(process.execPath, [...NODE_ARGS, "bin/rampart.js", "serve"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      APP_ENV: "test",
      PORT: "0",
      LOG_FORMAT: "json",
      LOG_LEVEL: "info",
      DATA_DIR: dataDir,
      METRICS_TOKEN: BENCH_METRICS_TOKEN,
      ...scenario.env,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let build: unknown;
  const url = await waitForLine(child, (l) => {
    if (l.msg !== "rampart listening") return undefined;
    build = l.build;
    return String(l.address);
  });
  const readyMs = performance.now() - started;
  // Every request still writes its log line; drain it so logging costs what it costs in production.
  child.stdout?.resume();
  return { url, child, readyMs, build };
}

interface LoadOptions {
  seconds: number;
  /** Requests per second for the whole run (autocannon --overallRate); unbounded when absent. */
  rate?: number;
}

async function load(
  scenario: Scenario,
  url: string,
  headers: Record<string, string>,
  options: LoadOptions,
  serverPid: number | undefined,
): Promise<Result> {
  const cpuBefore = cpuSeconds(serverPid);
  const connections = scenario.connections ?? CONNECTIONS;
  const args = ["-j", "-c", String(connections), "-d", String(options.seconds), "-m", scenario.method ?? "GET"];
  if (options.rate) args.push("--overallRate", String(options.rate));
  if (scenario.body !== undefined) args.push("-b", scenario.body, "-H", "content-type=application/json", "-I");
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

/** p99 under an open-loop load at a fixed rate, from a separate process (bench/paced-load.ts). */
async function pacedRun(scenario: Scenario, url: string, headers: Record<string, string>, rate: number) {
  const allHeaders = scenario.body === undefined ? headers : { ...headers, "content-type": "application/json" };
  const args = ["bench/paced-load.ts", url, scenario.path, String(rate), String(DURATION_S)];
  args.push(String(scenario.connections ?? CONNECTIONS), scenario.method ?? "GET");
  const { stdout } = await run(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, PACED_HEADERS: JSON.stringify(allHeaders), PACED_BODY: scenario.body ?? "" },
  });
  return JSON.parse(stdout) as PacedLoadReport;
}

/** Each alternating round's length: long enough for thousands of requests, short enough to share the machine's drift. */
const ALTERNATING_ROUND_S = Number(process.env.BENCH_ALTERNATING_ROUND_S ?? 3);

/** What the measured scenario's setup made (a PostgreSQL schema, say): shared by every server its rounds start. */
type SharedSetup = Awaited<ReturnType<NonNullable<Scenario["setup"]>>>;

/**
 * Starts a reference again beside the measured server (still up) and takes rounds in turn
 * (bench/alternating.ts). A reference with a setup of its own shares the measured scenario's.
 */
async function againstReference(
  name: string,
  measured: MeasureRound,
  rounds: number,
  shared: SharedSetup | undefined,
): Promise<AlternatingRatio> {
  const reference = scenarios.find((s) => s.name === name);
  if (!reference) throw new Error(`no reference scenario named ${name}`);
  return onFreshServer(
    reference,
    (measureReference) => alternatingRatio(measureReference, measured, rounds, ALTERNATING_ROUND_S),
    shared,
  );
}

/**
 * Starts a scenario's server once more (Rampart on its own copy of the first start's data),
 * prepares it (a fresh sign-in, say), warms it up and hands over a way to load it: a reference
 * beside the measured server, or a further measured server for another pair of alternating
 * rounds. A scenario with a setup gets the measured scenario's instead of running its own:
 * servers started for the same rounds share one database, as instances do.
 */
async function onFreshServer<T>(
  scenario: Scenario,
  use: (measure: MeasureRound) => Promise<T>,
  shared: SharedSetup | undefined,
): Promise<T> {
  if (scenario.setup && !shared)
    throw new Error(`a server started again needs the measured scenario's setup: ${scenario.name}`);
  const setup = scenario.setup ? shared : undefined;
  const dataDir = scenarioDataDir(scenario);
  const { url, child } = await startTarget(withSetupEnv(scenario, setup), dataDir);
  try {
    const { target, headers } = await prepareLoad(scenario, url, dataDir, setup);
    const measure = async (seconds: number) => (await load(target, url, headers, { seconds }, child.pid)).rps;
    await measure(WARMUP_S);
    return await use(measure);
  } finally {
    child.kill("SIGTERM");
    await once(child, "exit");
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** A scenario's own data directory. A restart finds what the first start left: its signing keys and, on the embedded default, its migrated database (every server still gets its own copy of both). */
function scenarioDataDir(scenario: Scenario): string {
  const dataDir = mkdtempSync(join(tmpdir(), "rampart-bench-"));
  if (scenario.target === "rampart") cpSync(firstStartDataDir, dataDir, { recursive: true });
  return dataDir;
}

/** The scenario with its setup's environment (a DATABASE_URL, say) added to its own. */
function withSetupEnv(scenario: Scenario, setup: SharedSetup | undefined): Scenario {
  return { ...scenario, env: { ...scenario.env, ...setup?.env } };
}

/** Runs the scenario's prepare step against a started server: what to load it with (the prepared path, body and headers first, then the setup's). */
async function prepareLoad(scenario: Scenario, url: string, dataDir: string, setup: SharedSetup | undefined) {
  const prepared = await scenario.prepare?.(url, dataDir);
  const headers = prepared?.headers ?? setup?.headers ?? {};
  const path = prepared?.path ?? setup?.path ?? scenario.path;
  return { headers, target: { ...scenario, path, body: prepared?.body ?? scenario.body } };
}

function halfRateFigure(half: PacedLoadReport, fullRps: number): string {
  const faults = half.errors + half.non2xx > 0 ? `, ${half.errors} errors, ${half.non2xx} non-2xx` : "";
  return `p99 ${half.p99} ms (p50 ${half.p50}, max ${half.max}) at ${half.rps} of ${Math.round(fullRps / 2)} req/s due${faults}`;
}

/** One line of the targets table: a figure, its bound, and whether the run met it. */
interface Verdict {
  scenario: string;
  what: string;
  figure: string;
  bound: string;
  met: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const results = new Map<string, Result>();
  const verdicts: Verdict[] = [];
  /** The references' p99 under the same kind of fixed load (reportP99AtHalfRate): context for Rampart's bound. */
  const halfRateContext: string[] = [];
  // BENCH_NAMES (exact) or BENCH_ONLY (a part of the name) picks scenarios; the references they
  // compare with run too (first, in list order).
  const picked = scenarios.filter((s) => (NAMES ? NAMES.includes(s.name) : !ONLY || s.name.includes(ONLY)));
  const referenced = new Set(picked.flatMap((s) => [s.baseline, ...(s.targets ?? []).map((t) => t.against)]));
  const selected = scenarios.filter((s) => picked.includes(s) || referenced.has(s.name));
  process.stdout.write(
    `Rampart bench — ${new Date().toISOString().slice(0, 10)} — ${cpus()[0]?.model ?? "cpu"} × ${cpus().length}, Node ${process.version}, ${CONNECTIONS} connections, ${DURATION_S} s each after ${WARMUP_S} s warm-up\n\n`,
  );
  if (selected.some((s) => s.target === "rampart")) await firstStart();
  process.stdout.write(
    "| scenario | req/s | p50 ms | p99 ms | errors | non-2xx | vs baseline | server CPU µs/req | ready ms | idle RSS MiB | peak RSS MiB |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
  );
  for (const scenario of selected) {
    const dataDir = scenarioDataDir(scenario);
    const extra = await scenario.setup?.();
    const { url, child, readyMs } = await startTarget(withSetupEnv(scenario, extra), dataDir);
    try {
      // Idle: a second after the listening line, before any request has been served.
      await sleep(1000);
      const idleRss = rssMiB(child.pid);
      const { target, headers } = await prepareLoad(scenario, url, dataDir, extra);
      // Warm up first so the JIT has compiled the hot path before we measure.
      await load(target, url, headers, { seconds: WARMUP_S }, child.pid);
      const result = await load(target, url, headers, { seconds: DURATION_S }, child.pid);
      results.set(scenario.name, result);
      let versus = "";
      const base = scenario.baseline ? results.get(scenario.baseline) : undefined;
      if (base) versus = `${Math.round((result.rps / base.rps) * 1000) / 10}%`;
      const errorFree = result.errors === 0 && result.non2xx === 0;
      if (!errorFree)
        verdicts.push(verdict(scenario.name, "errors + non-2xx", `${result.errors + result.non2xx}`, "0", false));
      process.stdout.write(
        `| ${result.name} | ${result.rps} | ${result.p50} | ${result.p99} | ${result.errors} | ${result.non2xx} | ${versus} | ${result.cpuMicros} | ${Math.round(readyMs)} | ${idleRss ?? "—"} | ${peakRssMiB(child.pid)} |\n`,
      );
      for (const { against, atLeast, alternatingRounds, alternatingPairs = 1 } of scenario.targets ?? []) {
        const reference = results.get(against);
        const ratio = reference ? result.rps / reference.rps : 0;
        if (alternatingRounds === undefined) {
          verdicts.push(
            verdict(scenario.name, `req/s vs ${against}`, `${ratio.toFixed(2)}×`, `≥ ${atLeast}×`, ratio >= atLeast),
          );
          continue;
        }
        const measureHere = async (seconds: number) => (await load(target, url, headers, { seconds }, child.pid)).rps;
        // The first pair is this process; each further pair starts both servers anew.
        const pooled = await pooledOverPairs(alternatingPairs, (index) =>
          index === 0
            ? againstReference(against, measureHere, alternatingRounds, extra)
            : onFreshServer(scenario, (measure) => againstReference(against, measure, alternatingRounds, extra), extra),
        );
        const byPair = pooled.pairs.map((pair) => pair.median.toFixed(2)).join(", ");
        verdicts.push(
          verdict(
            scenario.name,
            `req/s vs ${against}, ${alternatingPairs} × ${alternatingRounds} alternating ${ALTERNATING_ROUND_S} s rounds`,
            `${pooled.median.toFixed(2)}× median (pairs of processes ${byPair}; the ${DURATION_S} s runs above ${ratio.toFixed(2)}×)`,
            `≥ ${atLeast}×`,
            pooled.median >= atLeast,
          ),
        );
      }
      if (scenario.maxReadyMs !== undefined) {
        verdicts.push(
          verdict(
            scenario.name,
            "start to ready",
            `${Math.round(readyMs)} ms`,
            `≤ ${scenario.maxReadyMs} ms`,
            readyMs <= scenario.maxReadyMs,
          ),
        );
      }
      if (scenario.maxIdleRssMiB !== undefined) {
        const ok = idleRss !== undefined && idleRss <= scenario.maxIdleRssMiB;
        verdicts.push(
          verdict(scenario.name, "idle RSS", `${idleRss ?? "—"} MiB`, `≤ ${scenario.maxIdleRssMiB} MiB`, ok),
        );
      }
      if (scenario.maxP99AtHalfRateMs !== undefined || scenario.reportP99AtHalfRate) {
        const half = await pacedRun(scenario, url, headers, Math.max(1, Math.round(result.rps / 2)));
        if (scenario.maxP99AtHalfRateMs === undefined)
          halfRateContext.push(`${scenario.name}: ${halfRateFigure(half, result.rps)}`);
        else
          verdicts.push(
            verdict(
              scenario.name,
              `p99 at ${Math.round(result.rps / 2)} req/s (half), paced`,
              halfRateFigure(half, result.rps),
              `< ${scenario.maxP99AtHalfRateMs} ms, no errors`,
              half.p99 < scenario.maxP99AtHalfRateMs && half.errors === 0 && half.non2xx === 0,
            ),
          );
      }
      if (scenario.rssGrowthRounds) {
        // The measured round was the first; memory after it is compared with memory after the last.
        const first = await memoryReading(url, child.pid);
        for (let round = 1; round < scenario.rssGrowthRounds; round++)
          await load(target, url, headers, { seconds: DURATION_S }, child.pid);
        const { growth, figure } = growthWithoutYoung(first, await memoryReading(url, child.pid));
        verdicts.push(
          verdict(
            scenario.name,
            `RSS after ${scenario.rssGrowthRounds} load rounds vs after 1`,
            figure,
            "≤ +10 %",
            growth <= 0.1,
          ),
        );
      }
    } finally {
      child.kill("SIGTERM");
      await once(child, "exit");
      rmSync(dataDir, { recursive: true, force: true });
      await extra?.cleanup();
    }
  }
  let failed = verdicts.some((v) => !v.met);
  if (verdicts.length > 0) {
    process.stdout.write("\n| scenario | target | figure | bound | met |\n|---|---|---:|---:|---|\n");
    for (const v of verdicts)
      process.stdout.write(`| ${v.scenario} | ${v.what} | ${v.figure} | ${v.bound} | ${v.met ? "yes" : "**no**"} |\n`);
  }
  for (const line of halfRateContext) process.stdout.write(`\nContext — ${line}`);
  if (halfRateContext.length > 0) process.stdout.write("\n");
  // Not an HTTP load: the audit trail's append rate and the export's memory, in process.
  if (!NAMES && (!ONLY || ONLY.includes("audit")) && !(await auditBench(process.stdout))) failed = true;
  if (!NAMES && (!ONLY || ONLY.includes("webhooks"))) await webhooksBench(process.stdout);
  if (failed) {
    process.stdout.write("\nFAILED: a scenario missed its target or saw errors.\n");
    process.exitCode = 1;
  }
}

/**
 * One start of Rampart before the scenarios, reported apart: after a checkout or a code change
 * Node's compile cache is cold, so the first start strips and compiles every module (and loads
 * the TypeScript stripper, ~17 MiB) — a cost a deployment pays once, not what a restart costs.
 * Without it the first scenario in the run measured that cost and the others did not. It also
 * makes the development signing keys and applies the embedded database's migrations (first-start
 * costs too: the start-to-ready is "with migrations already applied"), and every
 * scenario's data directory starts as a copy of what it left.
 */
/** The first start's data directory: its development signing keys and migrated SQLite database. */
const firstStartDataDir = mkdtempSync(join(tmpdir(), "rampart-bench-first-"));

async function firstStart(): Promise<void> {
  // Production starts run the bundle built from the sources (npm ci builds it; so does the
  // image): built here so an edited checkout is measured as it would ship.
  await run(process.execPath, ["scripts/build-server.ts"], { cwd: ROOT });
  const dataDir = firstStartDataDir;
  const scenario: Scenario = { name: "first start", target: "rampart", path: "/health" };
  const { child, readyMs, build } = await startTarget(scenario, dataDir);
  try {
    await sleep(1000);
    process.stdout.write(
      `First start (compile cache as the checkout left it, first migration, signing keys made): ready ${Math.round(readyMs)} ms, idle RSS ${rssMiB(child.pid) ?? "—"} MiB, running its ${String(build)} — not a scenario; every start below finds the cache warm.\n\n`,
    );
    if (build !== "bundle") throw new Error(`rampart serve ran its ${String(build)}, not the bundle just built`);
  } finally {
    child.kill("SIGTERM");
    await once(child, "exit");
  }
}

function verdict(scenario: string, what: string, figure: string, bound: string, met: boolean): Verdict {
  return { scenario, what, figure, bound, met };
}

try {
  await main();
} finally {
  rmSync(firstStartDataDir, { recursive: true, force: true });
}
