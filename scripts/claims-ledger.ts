import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The claims ledger (docs/claims.md) is only worth something while every proof it names
 * exists: this parses its tables and checks each named test file, test title and bench
 * scenario against the tree, so a renamed test or scenario fails `npm run check`.
 */

/**
 * `latent`: the mechanism is built and its test runs, but no route uses it yet, so nothing a
 * user does depends on it. `unverified here`: the claim can only be checked somewhere this
 * machine is not (e.g. building the Docker image); the row names the command that would.
 */
export const VERDICTS = ["proven", "latent", "rejected", "not applicable", "open", "unverified here"] as const;
export type Verdict = (typeof VERDICTS)[number];

export interface LedgerRow {
  readonly line: number;
  readonly id: string;
  readonly verdict: string;
  readonly proof: string;
}

export interface Proof {
  readonly kind: "test" | "bench";
  readonly file?: string;
  readonly title: string;
}

export interface LedgerReport {
  readonly rows: number;
  /** Every row with its parsed proofs, for the runner. */
  readonly cited: readonly { readonly row: LedgerRow; readonly proofs: readonly Proof[] }[];
  readonly counts: Record<Verdict, number>;
  readonly problems: string[];
}

/** Splits a markdown table line into cells, keeping `\|` inside a cell. */
function cells(line: string): string[] {
  const inner = line.trim().replace(/^\|/, "").replace(/\|$/, "");
  return inner.split(/(?<!\\)\|/).map((cell) => cell.trim().replaceAll("\\|", "|"));
}

/** Rows of every table whose header has `verdict` and `proof` columns. */
export function parseLedger(markdown: string): LedgerRow[] {
  const rows: LedgerRow[] = [];
  const lines = markdown.split("\n");
  let columns: { id: number; verdict: number; proof: number } | undefined;
  lines.forEach((text, index) => {
    if (!text.trimStart().startsWith("|")) {
      columns = undefined;
      return;
    }
    const row = cells(text);
    if (columns === undefined) {
      const names = row.map((cell) => cell.toLowerCase());
      const verdict = names.indexOf("verdict");
      const proof = names.findIndex((name) => name.startsWith("proof"));
      if (verdict >= 0 && proof >= 0) columns = { id: names.indexOf("id"), verdict, proof };
      return;
    }
    if (/^[-:\s|]+$/.test(text)) return;
    rows.push({
      line: index + 1,
      id: columns.id >= 0 ? (row[columns.id] ?? "") : "",
      verdict: (row[columns.verdict] ?? "").replaceAll("`", "").toLowerCase(),
      proof: row[columns.proof] ?? "",
    });
  });
  return rows;
}

/** `test/x.test.ts › "title"` and `bench › "scenario"` references in a proof cell. */
export function parseProofs(cell: string): Proof[] {
  const proofs: Proof[] = [];
  for (const match of cell.matchAll(/`?(test\/[\w./-]+\.(?:test|race)\.ts|bench) › "((?:[^"\\]|\\.)*)"`?/g)) {
    const [, where = "", title = ""] = match;
    const unescaped = title.replaceAll('\\"', '"');
    proofs.push(
      where === "bench" ? { kind: "bench", title: unescaped } : { kind: "test", file: where, title: unescaped },
    );
  }
  return proofs;
}

/**
 * The first-argument string of every it/test/describe call; template placeholders become
 * wildcards. A test titled by a variable (`it(name, …)` in a loop over cases) has a title only
 * the runner knows: it becomes a wildcard too, and executing the ledger settles whether a test
 * of the cited name runs.
 */
export function testTitles(source: string): RegExp[] {
  const titles: RegExp[] = [];
  if (/\b(?:it|test)(?:\.(?:skip|only|todo))?\(\s*[A-Za-z_$][\w$.]*\s*,/.test(source)) titles.push(/^.+$/);
  const call = /\b(?:it|test|describe)(?:\.(?:skip|only|todo))?\(\s*(["'`])((?:\\.|(?!\1)[^\\])*)\1/g;
  for (const match of source.matchAll(call)) {
    const [, quote, raw = ""] = match;
    const text = raw.replace(/\\(.)/g, "$1");
    const parts = quote === "`" ? text.split(/\$\{[^}]*\}/) : [text];
    titles.push(new RegExp(`^${parts.map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".+")}$`));
  }
  return titles;
}

/** The `**Totals:**` line at the top must agree with the rows. */
function checkTotals(markdown: string, counts: Record<Verdict, number>): string[] {
  const totals = /^\*\*Totals:\*\*(.*)$/m.exec(markdown);
  if (!totals) return ["no **Totals:** line with the counts per verdict"];
  const problems: string[] = [];
  for (const verdict of VERDICTS) {
    const stated = new RegExp(`${verdict} (\\d+)`).exec(totals[1] ?? "");
    if (Number(stated?.[1]) !== counts[verdict]) {
      problems.push(`**Totals:** says ${verdict} ${stated?.[1] ?? "(missing)"}, the rows have ${counts[verdict]}`);
    }
  }
  return problems;
}

export function checkLedger(markdown: string, root: string, benchScenarios: readonly string[]): LedgerReport {
  const rows = parseLedger(markdown);
  const counts = Object.fromEntries(VERDICTS.map((verdict) => [verdict, 0])) as Record<Verdict, number>;
  const problems: string[] = [];
  const titlesByFile = new Map<string, RegExp[] | undefined>();
  const seenIds = new Set<string>();
  const cited: { row: LedgerRow; proofs: Proof[] }[] = [];
  for (const row of rows) {
    const where = `line ${row.line}${row.id ? ` (${row.id})` : ""}`;
    if (row.id) {
      if (seenIds.has(row.id)) problems.push(`${where}: duplicate id`);
      seenIds.add(row.id);
    }
    if (!(VERDICTS as readonly string[]).includes(row.verdict)) {
      problems.push(`${where}: unknown verdict "${row.verdict}" (one of ${VERDICTS.join(", ")})`);
      continue;
    }
    counts[row.verdict as Verdict] += 1;
    const proofs = parseProofs(row.proof);
    cited.push({ row, proofs });
    if ((row.verdict === "proven" || row.verdict === "latent") && proofs.length === 0)
      problems.push(`${where}: ${row.verdict} without a test or bench proof`);
    if (row.verdict === "unverified here" && !/`(?!test\/|bench ›)[^`]+`/.test(row.proof))
      problems.push(`${where}: unverified here without the command that would verify it (in backticks)`);
    for (const proof of proofs) {
      if (proof.kind === "bench") {
        if (!benchScenarios.includes(proof.title)) problems.push(`${where}: bench has no scenario "${proof.title}"`);
        continue;
      }
      const file = proof.file ?? "";
      if (!titlesByFile.has(file)) {
        const path = join(root, file);
        titlesByFile.set(file, existsSync(path) ? testTitles(readFileSync(path, "utf8")) : undefined);
      }
      const titles = titlesByFile.get(file);
      if (titles === undefined) problems.push(`${where}: no test file ${file}`);
      else if (!titles.some((title) => title.test(proof.title))) {
        problems.push(`${where}: ${file} has no test or describe titled "${proof.title}"`);
      }
    }
  }
  if (rows.length === 0) problems.push("no ledger rows (a table with verdict and proof columns)");
  else problems.push(...checkTotals(markdown, counts));
  return { rows: rows.length, cited, counts, problems };
}
