import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { AREAS, SKIP_POSTGRES } from "../stryker/areas.ts";

// `npm run mutation [-- <area> …] [--list]`: StrykerJS per area (stryker/areas.ts), one area at a
// time at concurrency 1, each mutant run against that area's targeted tests only (the command
// runner over node's test runner). Without names it runs every area, smallest first; name the
// ones still missing to run them later. Writes reports/mutation/<area>.json and prints, per area,
// killed/survived/timeout/no-coverage counts, the score and the time taken.
const ROOT = new URL("../", import.meta.url).pathname;
const { values, positionals } = parseArgs({ allowPositionals: true, options: { list: { type: "boolean" } } });
if (values.list) {
  for (const area of AREAS)
    process.stdout.write(`${area.name}: ${area.mutate.join(", ")} ← ${area.tests.join(", ")}\n`);
  process.exit(0);
}
const unknown = positionals.filter((name) => !AREAS.some((area) => area.name === name));
if (unknown.length > 0) {
  process.stderr.write(`mutation: no area ${unknown.join(", ")} (areas: ${AREAS.map((a) => a.name).join(", ")})\n`);
  process.exit(2);
}
const selected = positionals.length === 0 ? AREAS : AREAS.filter((area) => positionals.includes(area.name));
const base = JSON.parse(readFileSync(join(ROOT, "stryker.config.json"), "utf8"));
mkdirSync(join(ROOT, "reports/mutation"), { recursive: true });

interface Counts {
  killed: number;
  survived: number;
  timeout: number;
  noCoverage: number;
  errors: number;
}

/** Counts per status in Stryker's JSON report (mutation-testing-report-schema). */
function countsOf(reportPath: string): Counts {
  const report = JSON.parse(readFileSync(reportPath, "utf8")) as {
    files: Record<string, { mutants: { status: string }[] }>;
  };
  const counts: Counts = { killed: 0, survived: 0, timeout: 0, noCoverage: 0, errors: 0 };
  for (const file of Object.values(report.files)) {
    for (const { status } of file.mutants) {
      if (status === "Killed") counts.killed += 1;
      else if (status === "Survived") counts.survived += 1;
      else if (status === "Timeout") counts.timeout += 1;
      else if (status === "NoCoverage") counts.noCoverage += 1;
      else if (status === "RuntimeError" || status === "CompileError") counts.errors += 1;
    }
  }
  return counts;
}

let failed = false;
for (const area of selected) {
  const pattern = area.namePattern ? ` --test-name-pattern=${JSON.stringify(area.namePattern)}` : "";
  // Tests that run once per engine are judged on SQLite only (unless the area says otherwise): a
  // mutant in the logic fails there too, and half the time per mutant is what lets an area
  // finish on a shared 2-core machine.
  const skip = JSON.stringify(area.skipPattern ?? SKIP_POSTGRES);
  const isolation = area.oneProcess ? " --test-isolation=none" : "";
  const command = `node --test --test-concurrency=1${isolation} --test-force-exit --test-timeout=120000 --test-reporter=dot --test-skip-pattern=${skip}${pattern} ${area.tests.join(" ")}`;
  const reportPath = join(ROOT, `reports/mutation/${area.name}.json`);
  const config = {
    ...base,
    _comment: undefined,
    mutate: area.mutate,
    commandRunner: { command },
    jsonReporter: { fileName: reportPath },
  };
  const configPath = join(ROOT, `reports/mutation/${area.name}.stryker.json`);
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  process.stdout.write(`\nmutation: ${area.name} — ${area.mutate.join(", ")}\n  tests: ${command}\n`);
  const started = performance.now();
  const run = spawnSync(join(ROOT, "node_modules/.bin/stryker"), ["run", configPath], { cwd: ROOT, stdio: "inherit" });
  const minutes = ((performance.now() - started) / 60_000).toFixed(1);
  if (run.status !== 0) {
    process.stdout.write(`mutation: ${area.name} — Stryker failed (exit ${run.status}) after ${minutes} min\n`);
    failed = true;
    continue;
  }
  const c = countsOf(reportPath);
  const detected = c.killed + c.timeout;
  const valid = detected + c.survived + c.noCoverage;
  const score = valid === 0 ? 0 : (100 * detected) / valid;
  process.stdout.write(
    `mutation: ${area.name} — ${score.toFixed(1)} % (killed ${c.killed}, timeout ${c.timeout}, survived ${c.survived}, no coverage ${c.noCoverage}, errors ${c.errors}) in ${minutes} min\n`,
  );
}
if (failed) process.exitCode = 1;
