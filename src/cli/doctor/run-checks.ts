import { createContext } from "./context.ts";
import { ProbeError } from "./http-probe.ts";
import type { Check, CheckResult, DoctorOptions, Profile } from "./types.ts";
import { fail } from "./types.ts";

export interface CheckReport extends CheckResult {
  readonly id: string;
  readonly title: string;
}

export interface DoctorReport {
  readonly url: string;
  readonly profile: Profile | { readonly production: undefined; readonly reason: string };
  readonly startedAt: string;
  readonly checks: readonly CheckReport[];
  readonly summary: Readonly<Record<CheckReport["status"], number>>;
}

function fixFor(error: ProbeError): string {
  if (error.kind === "timeout")
    return "Check the deployment is healthy and reachable from here, or raise --timeout for a slow link.";
  if (error.kind === "tls")
    return "Serve a certificate valid for this host name and chained to a trusted CA, with TLS 1.2 or later.";
  return "Check --url, and that the deployment is running and reachable from where doctor runs.";
}

/** A check never crashes the run: an unreachable deployment or a bug in one check is that check's failure. */
async function runOne(check: Check, run: () => Promise<CheckResult>): Promise<CheckReport> {
  let result: CheckResult;
  try {
    result = await run();
  } catch (error) {
    result =
      error instanceof ProbeError
        ? fail(error.message, fixFor(error))
        : fail(`doctor could not run this check: ${String(error)}`, "Report this as a bug of rampart doctor.");
  }
  return { id: check.id, title: check.title, ...result };
}

/**
 * Runs every check: the read-only ones together, then — one at a time, in order — those
 * that spend the deployment's rate-limit budget, so they cannot starve the others.
 */
export async function runChecks(checks: readonly Check[], options: DoctorOptions): Promise<DoctorReport> {
  const startedAt = new Date().toISOString();
  const ctx = createContext(options);
  const results = new Map<string, CheckReport>();
  const first = checks.filter((c) => !c.last);
  for (const report of await Promise.all(first.map((c) => runOne(c, () => c.run(ctx))))) results.set(report.id, report);
  for (const check of checks.filter((c) => c.last)) results.set(check.id, await runOne(check, () => check.run(ctx)));
  const ordered = checks.map((c) => results.get(c.id) as CheckReport);
  const summary = { pass: 0, warn: 0, fail: 0, skip: 0 };
  for (const r of ordered) summary[r.status] += 1;
  const profile = await ctx.profile().catch((error: unknown) => ({
    production: undefined,
    reason: `unknown: ${error instanceof Error ? error.message : String(error)}`,
  }));
  return { url: options.url.href, profile, startedAt, checks: ordered, summary };
}
