import { readFileSync } from "node:fs";

// /proc/<pid>/stat counts in clock ticks; Linux reports them at USER_HZ, 100 per second on every
// mainstream architecture.
const TICKS_PER_SECOND = 100;

/**
 * The server's CPU time so far (Linux /proc), or undefined where that is not readable.
 * Requests per second tell how fast the pair of processes went; CPU per request tells what
 * the server itself spent, which does not depend on whether the server or the load
 * generator — the two share this machine's cores — was the bottleneck of the run.
 */
export function cpuSeconds(pid: number | undefined): number | undefined {
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
export function peakRssMiB(pid: number | undefined): string {
  try {
    const kib = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kib === undefined ? "—" : String(Math.round(Number(kib) / 1024));
  } catch {
    return "—";
  }
}

/** The process's resident memory now in MiB (Linux /proc VmRSS), or undefined where that is not readable. */
export function rssMiB(pid: number | undefined): number | undefined {
  try {
    const kib = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kib === undefined ? undefined : Math.round(Number(kib) / 1024);
  } catch {
    return undefined;
  }
}
