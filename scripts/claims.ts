import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { scenarios } from "../bench/scenarios.ts";
import { checkLedger, VERDICTS } from "./claims-ledger.ts";

// `npm run claims [-- --ledger <file>] [--root <dir>]`: checks docs/claims.md against the
// test suite (files and titles under --root) and the bench scenarios; exit 1 listing every
// proof that does not resolve.
const { values } = parseArgs({
  options: { ledger: { type: "string", default: "docs/claims.md" }, root: { type: "string", default: "." } },
});
const root = resolve(values.root);
const report = checkLedger(
  readFileSync(resolve(values.ledger), "utf8"),
  root,
  scenarios.map((scenario) => scenario.name),
);
process.stdout.write(
  `claims: ${report.rows} rows — ${VERDICTS.map((verdict) => `${verdict} ${report.counts[verdict]}`).join(", ")}\n`,
);
if (report.problems.length > 0) {
  process.stderr.write(`claims: ${report.problems.length} problem(s) in ${values.ledger}\n`);
  for (const problem of report.problems) process.stderr.write(`  ${problem}\n`);
  process.exit(1);
}
