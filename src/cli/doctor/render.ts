import type { CheckReport, DoctorReport } from "./run-checks.ts";

export type ReportFormat = "text" | "json" | "markdown";
export const REPORT_FORMATS: readonly ReportFormat[] = ["text", "json", "markdown"];

function profileLine(report: DoctorReport): string {
  const name =
    report.profile.production === undefined ? "unknown" : report.profile.production ? "production" : "development";
  return `${name} (${report.profile.reason})`;
}

function summaryLine(report: DoctorReport): string {
  const s = report.summary;
  return `${s.pass} pass, ${s.warn} warn, ${s.fail} fail, ${s.skip} skip`;
}

function renderText(report: DoctorReport): string {
  const lines = [`rampart doctor ${report.url}`, `profile: ${profileLine(report)}`, ""];
  for (const c of report.checks) {
    lines.push(`${c.status.toUpperCase().padEnd(4)}  ${c.id} — ${c.title}`);
    lines.push(`      ${c.evidence}`);
    if (c.status !== "pass" && c.fix) lines.push(`      fix: ${c.fix}`);
  }
  lines.push("", summaryLine(report));
  return `${lines.join("\n")}\n`;
}

/** Table cells: no line breaks, pipes escaped. */
function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ");
}

const ICON: Record<CheckReport["status"], string> = {
  pass: "✅ pass",
  warn: "⚠️ warn",
  fail: "❌ fail",
  skip: "➖ skip",
};

function renderMarkdown(report: DoctorReport): string {
  const lines = [
    `# rampart doctor: ${report.url}`,
    "",
    `- profile: ${profileLine(report)}`,
    `- run at: ${report.startedAt}`,
    `- result: ${summaryLine(report)}`,
    "",
    "| status | check | evidence | fix |",
    "|---|---|---|---|",
    ...report.checks.map(
      (c) =>
        `| ${ICON[c.status]} | \`${c.id}\` ${cell(c.title)} | ${cell(c.evidence)} | ${c.status === "pass" ? "" : cell(c.fix)} |`,
    ),
  ];
  return `${lines.join("\n")}\n`;
}

export function renderReport(report: DoctorReport, format: ReportFormat): string {
  if (format === "json") return `${JSON.stringify(report, null, 2)}\n`;
  if (format === "markdown") return renderMarkdown(report);
  return renderText(report);
}
