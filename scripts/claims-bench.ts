import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { Scenario } from "../bench/scenarios.ts";
import type { LedgerRow, Proof } from "./claims-ledger.ts";

const exec = promisify(execFile);

/** One row of `npm run bench`'s table. */
interface Fresh {
  readonly rps: number;
  readonly errors: number;
  readonly non2xx: number;
  /** Percentage of the baseline's requests/s, when the scenario has a baseline. */
  readonly percent?: number;
}

/** Parses the markdown table `bench/run.ts` prints. */
export function parseBenchTable(stdout: string): Map<string, Fresh> {
  const rows = new Map<string, Fresh>();
  for (const line of stdout.split("\n")) {
    const cells = line.split("|").map((cell) => cell.trim());
    if (cells.length < 9 || !/^\d+$/.test(cells[2] ?? "")) continue;
    const percent = /^([\d.]+)%/.exec(cells[7] ?? "")?.[1];
    rows.set(cells[1] ?? "", {
      rps: Number(cells[2]),
      errors: Number(cells[5]),
      non2xx: Number(cells[6]),
      percent: percent === undefined ? undefined : Number(percent),
    });
  }
  return rows;
}

/** The bench's verdicts table: each target a scenario declares, its fresh figure and whether it was met. */
export function parseBenchVerdicts(
  stdout: string,
): Map<string, { what: string; figure: string; bound: string; met: boolean }[]> {
  const verdicts = new Map<string, { what: string; figure: string; bound: string; met: boolean }[]>();
  for (const line of stdout.split("\n")) {
    const cells = line.split("|").map((cell) => cell.trim());
    // "| scenario | target | figure | bound | met |": six cells around the pipes, the last "yes" or "**no**".
    if (cells.length !== 7 || !(cells[5] === "yes" || cells[5] === "**no**")) continue;
    const scenario = cells[1] ?? "";
    const list = verdicts.get(scenario) ?? [];
    list.push({ what: cells[2] ?? "", figure: cells[3] ?? "", bound: cells[4] ?? "", met: cells[5] === "yes" });
    verdicts.set(scenario, list);
  }
  return verdicts;
}

/**
 * Re-runs every bench scenario the selected rows cite (with their baselines) in one bench run,
 * and checks each fresh figure: no errors, no non-2xx, and every target the scenario declares
 * (the bench's own verdicts: ratios to references, start to ready, memory, latency) met.
 * Returns the problems.
 */
export async function benchCited(
  root: string,
  selected: readonly { readonly row: LedgerRow; readonly proofs: readonly Proof[] }[],
  scenarios: readonly Scenario[],
  out: (text: string) => void,
): Promise<string[]> {
  const names = [
    ...new Set(selected.flatMap(({ proofs }) => proofs.filter((p) => p.kind === "bench").map((p) => p.title))),
  ];
  if (names.length === 0) return [];
  out(`claims: re-running ${names.length} cited bench scenario(s) (npm run bench, BENCH_NAMES)`);
  let stdout = "";
  try {
    ({ stdout } = await exec(process.execPath, ["bench/run.ts"], {
      cwd: root,
      env: { ...process.env, BENCH_NAMES: names.join("\n") },
      maxBuffer: 16 * 1024 * 1024,
    }));
  } catch (error) {
    // The bench exits 1 when any scenario misses its target; the table is still there.
    stdout = (error as { stdout?: string }).stdout ?? "";
  }
  const fresh = parseBenchTable(stdout);
  const verdicts = parseBenchVerdicts(stdout);
  const problems: string[] = [];
  for (const name of names) {
    const figure = fresh.get(name);
    const scenario = scenarios.find((s) => s.name === name);
    const rows = selected.filter(({ proofs }) => proofs.some((p) => p.kind === "bench" && p.title === name));
    const where = rows.map(({ row }) => row.id).join(", ");
    if (figure === undefined) {
      problems.push(`bench › "${name}" (${where}): the bench run printed no figure for it`);
      continue;
    }
    const ratio = figure.percent === undefined ? "" : `, ${figure.percent}% of ${scenario?.baseline}`;
    out(`  bench › "${name}": ${figure.rps} req/s${ratio} — rows ${where}`);
    if (figure.errors > 0 || figure.non2xx > 0)
      problems.push(`bench › "${name}" (${where}): ${figure.errors} errors, ${figure.non2xx} non-2xx answers`);
    for (const v of verdicts.get(name) ?? []) {
      out(`    ${v.what}: ${v.figure} (target ${v.bound}) — ${v.met ? "met" : "MISSED"}`);
      if (!v.met) problems.push(`bench › "${name}" (${where}): ${v.what} ${v.figure}, target ${v.bound}`);
    }
  }
  return problems;
}
