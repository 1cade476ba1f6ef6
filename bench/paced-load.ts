import { randomUUID } from "node:crypto";
import { argv } from "node:process";
import { fileURLToPath } from "node:url";
import { Http1Pool } from "./http1-pool.ts";

// An open-loop load at a fixed rate, the way wrk2 makes one: request i is due at
// start + i / rate whatever happened to the ones before it, and its latency counts from when it
// was due, not from when a connection was free to send it. A server that stalls therefore shows
// the stall in every request that waited behind it (no coordinated omission).
//
// Why not autocannon's --overallRate: it lets each connection send back to back until that
// second's share is spent, then waits for the next second, so the first part of every second is
// a full-speed burst; and it "corrects" each latency as if requests were due every millisecond
// (Math.ceil(1 / rate)), which adds a made-up sample for every millisecond a response took. Its
// p99 at half rate is the p99 of a saturated server, inflated.

export interface PacedLoadOptions {
  readonly url: string;
  readonly path: string;
  readonly rate: number;
  readonly seconds: number;
  /** Paced load before the measured part, not recorded, answered in full before the measured run starts. */
  readonly warmupSeconds?: number;
  /** The measured run's first seconds, sent on its schedule but not recorded (0.5 s when absent). */
  readonly leadInSeconds?: number;
  readonly connections?: number;
  readonly method?: string;
  readonly headers?: Record<string, string>;
  /** `[<id>]` in it becomes a fresh id per request, as autocannon's -I makes it. */
  readonly body?: string;
}

export interface PacedLoadReport {
  /** Requests answered in the measured part. */
  readonly requests: number;
  /** Answered requests per second of the measured part, to check the generator kept the rate. */
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly errors: number;
  readonly non2xx: number;
}

/** Latency in ms at a percentile (nearest rank) of sorted samples. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

export async function pacedLoad(options: PacedLoadOptions): Promise<PacedLoadReport> {
  // Nothing due would never resolve: the run ends when the last request due is answered.
  if (!(options.rate > 0 && options.seconds > 0) || Math.floor(options.rate * options.seconds) < 1)
    throw new RangeError(`no request due at ${options.rate} req/s for ${options.seconds} s`);
  const pool = new Http1Pool(options.url, options.connections ?? 50);
  try {
    // The warm-up is a run of its own, answered in full before the measured one starts: a
    // generator and connections still cold fall behind at first, and that backlog is theirs,
    // not the server's (it reached seconds into the measured part when the two shared one
    // schedule).
    const warmupSeconds = options.warmupSeconds ?? 1;
    if (Math.floor(options.rate * warmupSeconds) >= 1) await pacedRun(pool, options, warmupSeconds, 0);
    // Where the load starts again after the warm-up's last answer, the first tens of ms read
    // slow against any server, the bare node:http one included (43–77 requests at 6,000 req/s
    // slower than 5 ms, docs/benchmarks.md): the generator's and the machine's transient, not the
    // steady load the figure is about. The measured run's lead-in takes it, as wrk2 leaves its
    // calibration period out of the latencies it reports.
    return await pacedRun(pool, options, options.seconds, options.leadInSeconds ?? 0.5);
  } finally {
    pool.close();
  }
}

/**
 * Sends the requests due at `options.rate` for `leadIn` and then `seconds` more on `pool`, and
 * reports on the answers to those due after the lead-in.
 */
async function pacedRun(
  pool: Http1Pool,
  options: PacedLoadOptions,
  seconds: number,
  leadIn: number,
): Promise<PacedLoadReport> {
  const intervalMs = 1000 / options.rate;
  const unrecorded = Math.floor(leadIn * options.rate);
  const measured = Math.floor(seconds * options.rate);
  const total = unrecorded + measured;
  const latencies = new Float64Array(measured);
  const request = requestBytes(options);
  const freshIds = options.body?.includes("[<id>]") ?? false;
  let recorded = 0;
  let errors = 0;
  let non2xx = 0;
  let outstanding = 0;
  let next = 0;
  const start = performance.now();
  const { promise: done, resolve } = Promise.withResolvers<void>();

  const send = (index: number) => {
    const due = start + index * intervalMs;
    outstanding++;
    pool.request(freshIds ? requestBytes(options) : request, (error, status) => {
      if (index >= unrecorded) {
        if (error) errors++;
        else if (status < 200 || status >= 300) non2xx++;
        else latencies[recorded++] = performance.now() - due;
      }
      outstanding--;
      if (next >= total && outstanding === 0) resolve();
    });
  };

  // A timer per millisecond or so sends every request that has come due; it never spins, so the
  // generator leaves the CPU to the server it shares the machine with.
  const tick = () => {
    const now = performance.now();
    while (next < total && start + next * intervalMs <= now) send(next++);
    if (next < total) setTimeout(tick, Math.max(0, start + next * intervalMs - performance.now()));
  };
  tick();
  await done;
  const sorted = latencies.subarray(0, recorded).sort();
  const round = (ms: number) => Math.round(ms * 100) / 100;
  return {
    requests: recorded,
    rps: Math.round(recorded / seconds),
    p50: round(percentile(sorted, 50)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[sorted.length - 1] ?? Number.NaN),
    errors,
    non2xx,
  };
}

/** One request as bytes on the wire; a body's `[<id>]` becomes a fresh id each time it is built. */
function requestBytes(options: PacedLoadOptions): Buffer {
  const { host } = new URL(options.url);
  const body = options.body?.replaceAll("[<id>]", randomUUID());
  let head = `${options.method ?? "GET"} ${options.path} HTTP/1.1\r\nhost: ${host}\r\n`;
  for (const [name, value] of Object.entries(options.headers ?? {})) head += `${name}: ${value}\r\n`;
  if (body !== undefined) head += `content-length: ${Buffer.byteLength(body)}\r\n`;
  return Buffer.from(`${head}\r\n${body ?? ""}`);
}

/** `node bench/paced-load.ts <url> <path> <rate> <seconds> [connections] [method]`, headers as
 * PACED_HEADERS (JSON) and a body as PACED_BODY; prints the report as JSON. */
async function main() {
  const [url, path, rate, seconds, connections, method] = argv.slice(2);
  if (!url || !path || !rate || !seconds) throw new Error("usage: paced-load <url> <path> <rate> <seconds>");
  const report = await pacedLoad({
    url,
    path,
    rate: Number(rate),
    seconds: Number(seconds),
    connections: connections ? Number(connections) : undefined,
    method,
    headers: process.env.PACED_HEADERS ? JSON.parse(process.env.PACED_HEADERS) : undefined,
    body: process.env.PACED_BODY || undefined,
  });
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

if (argv[1] === fileURLToPath(import.meta.url)) await main();
