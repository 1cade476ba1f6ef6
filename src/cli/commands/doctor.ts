import { type CliCommand, type CommandArgs, UsageError } from "../command.ts";
import { REPORT_FORMATS, type ReportFormat, renderReport } from "../doctor/render.ts";
import type { DoctorOptions } from "../doctor/types.ts";

/** Upper bound of --load: enough to pass any sane tier, too few to be a load test. */
const MAX_LOAD = 1000;

function httpUrl(value: unknown, option: string): URL {
  if (typeof value !== "string" || value === "")
    throw new UsageError(`${option} is required (e.g. ${option} https://api.example.com)`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${option} must be an absolute http(s) URL, got "${value}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new UsageError(`${option} must be an http:// or https:// URL, got "${value}"`);
  return url;
}

function integer(value: unknown, option: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== "string" || !/^\d+$/.test(value) || n < min || n > max)
    throw new UsageError(`${option} must be an integer from ${min} to ${max}, got "${String(value)}"`);
  return n;
}

function origin(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const url = httpUrl(value, "--origin");
  if (url.origin !== String(value).replace(/\/$/, ""))
    throw new UsageError(`--origin must be an origin (scheme://host[:port], no path), got "${String(value)}"`);
  return url.origin;
}

export function doctorOptions(args: CommandArgs): { options: DoctorOptions; format: ReportFormat } {
  const v = args.values;
  const format = (v.format ?? "text") as ReportFormat;
  if (!REPORT_FORMATS.includes(format))
    throw new UsageError(`--format must be one of ${REPORT_FORMATS.join(", ")}, got "${String(v.format)}"`);
  const options: DoctorOptions = {
    url: httpUrl(v.url, "--url"),
    origin: origin(v.origin),
    production: v.production === true,
    load: integer(v.load, "--load", 1, MAX_LOAD, 0),
    timeoutMs: integer(v.timeout, "--timeout", 1, 600_000, 10_000),
    metricsUrl: v["metrics-url"] === undefined ? undefined : httpUrl(v["metrics-url"], "--metrics-url"),
  };
  return { options, format };
}

export const doctorCommand: CliCommand = {
  name: "doctor",
  summary: "Probe a running deployment from outside: headers, CORS, hosts, leaks, auth surface, limits, readiness",
  usage:
    "--url <base-url> [--origin <allowed-origin>] [--production] [--load <n>] [--metrics-url <url>] [--timeout <ms>] [--format text|json|markdown]",
  options: {
    url: { type: "string" },
    origin: { type: "string" },
    production: { type: "boolean" },
    load: { type: "string" },
    "metrics-url": { type: "string" },
    timeout: { type: "string" },
    format: { type: "string" },
  },
  async run(args, io) {
    const { options, format } = doctorOptions(args);
    // The probes (two dozen modules) load for `rampart doctor` only: every other command, serve
    // included, is listed from this file and would otherwise load them at each start.
    const [{ doctorChecks }, { runChecks }] = await Promise.all([
      import("../doctor/checks/index.ts"),
      import("../doctor/run-checks.ts"),
    ]);
    const report = await runChecks(doctorChecks, options);
    io.stdout.write(renderReport(report, format));
    return report.summary.fail > 0 ? 1 : 0;
  },
};
