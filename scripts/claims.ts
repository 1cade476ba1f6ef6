import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { scenarios } from "../bench/scenarios.ts";
import { benchCited } from "./claims-bench.ts";
import { checkLedger, VERDICTS } from "./claims-ledger.ts";
import { runFile } from "./claims-run.ts";

// `npm run claims [-- --static] [--bench] [--rows A3,Z10] [--ledger <file>] [--root <dir>]`
//
// Checks docs/claims.md: every cited test file, title and bench scenario must exist, and (unless
// --static) every cited test is executed — each file once, sequentially, only the cited titles —
// and must have run and passed: a describe, a skipped, todo, filtered-out or failing test fails
// its row. --bench re-runs the cited bench scenarios and compares each with its target.
// --rows limits the execution (not the static checks) to the named rows. Exit 1 on any problem.
const { values } = parseArgs({
  options: {
    ledger: { type: "string", default: "docs/claims.md" },
    root: { type: "string", default: "." },
    static: { type: "boolean", default: false },
    bench: { type: "boolean", default: false },
    rows: { type: "string" },
  },
});
const started = performance.now();
// Started from inside a test (test/scripts/claims.test.ts), node:test's run() would refuse to run files.
delete process.env.NODE_TEST_CONTEXT;
const root = resolve(values.root);
const report = checkLedger(
  readFileSync(resolve(values.ledger), "utf8"),
  root,
  scenarios.map((scenario) => scenario.name),
);
const out = (text: string) => process.stdout.write(`${text}\n`);
out(`claims: ${report.rows} rows — ${VERDICTS.map((verdict) => `${verdict} ${report.counts[verdict]}`).join(", ")}`);
const problems = [...report.problems];

const only = values.rows ? new Set(values.rows.split(",").map((id) => id.trim())) : undefined;
const selected = report.cited.filter(({ row }) => only === undefined || only.has(row.id));
if (only)
  for (const id of only) if (!report.cited.some(({ row }) => row.id === id)) problems.push(`--rows: no row ${id}`);

if (!values.static && report.problems.length === 0) {
  // Group the cited titles by file, keeping the ledger's order of first citation.
  const byFile = new Map<string, Set<string>>();
  for (const { proofs } of selected) {
    for (const proof of proofs) {
      if (proof.kind !== "test" || proof.file === undefined) continue;
      const titles = byFile.get(proof.file) ?? new Set<string>();
      titles.add(proof.title);
      byFile.set(proof.file, titles);
    }
  }
  const results = new Map<string, string>();
  let index = 0;
  for (const [file, titles] of byFile) {
    index += 1;
    const ran = await runFile(root, file, [...titles]);
    const bad = [...ran.outcomes].filter(([, outcome]) => !outcome.ok);
    out(
      `  [${index}/${byFile.size}] ${bad.length === 0 ? "ok  " : "FAIL"} ${file} — ${titles.size} test(s), ${ran.seconds.toFixed(1)} s${ran.lingered ? " (every verdict in, its process did not exit: stopped)" : ""}`,
    );
    for (const [title, outcome] of ran.outcomes) {
      if (!outcome.ok) results.set(`${file}\u0000${title}`, `${outcome.reason}: ${outcome.detail}`);
    }
  }
  let failedRows = 0;
  for (const { row, proofs } of selected) {
    const failures = proofs.flatMap((proof) => {
      const why = proof.kind === "test" ? results.get(`${proof.file}\u0000${proof.title}`) : undefined;
      return why === undefined ? [] : [`${proof.file} › "${proof.title}" ${why}`];
    });
    if (failures.length > 0) failedRows += 1;
    for (const failure of failures) problems.push(`line ${row.line} (${row.id}, ${row.verdict}): ${failure}`);
  }
  const tests = [...byFile.values()].reduce((sum, titles) => sum + titles.size, 0);
  out(
    `claims: executed ${tests} cited test(s) in ${byFile.size} file(s) for ${selected.length} row(s): ${failedRows} row(s) failed`,
  );
}

if (values.bench && report.problems.length === 0) {
  problems.push(...(await benchCited(root, selected, scenarios, out)));
}

out(`claims: ${((performance.now() - started) / 1000).toFixed(1)} s`);
if (problems.length > 0) {
  process.stderr.write(`claims: ${problems.length} problem(s) in ${values.ledger}\n`);
  for (const problem of problems) process.stderr.write(`  ${problem}\n`);
  process.exit(1);
}
