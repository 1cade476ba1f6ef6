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

/**
 * Re-runs every bench scenario the selected rows cite (with their baselines) in one bench run,
 * and checks each fresh figure: no errors, no non-2xx, and at least the scenario's target
 * percentage of its baseline where it declares one. Returns the problems.
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
    const target = scenario?.targetPercent;
    const ratio = figure.percent === undefined ? "" : `, ${figure.percent}% of ${scenario?.baseline}`;
    out(`  bench › "${name}": ${figure.rps} req/s${ratio}${target ? ` (target ≥ ${target}%)` : ""} — rows ${where}`);
    if (figure.errors > 0 || figure.non2xx > 0)
      problems.push(`bench › "${name}" (${where}): ${figure.errors} errors, ${figure.non2xx} non-2xx answers`);
    if (target !== undefined && (figure.percent === undefined || figure.percent < target))
      problems.push(`bench › "${name}" (${where}): ${figure.percent ?? "?"}% of its baseline, target ≥ ${target}%`);
  }
  return problems;
}
