import { toView } from "./service.ts";
import type { AuditEventsTable } from "./tables.ts";

export type ExportFormat = "ndjson" | "csv";

export const EXPORT_CONTENT_TYPES: Readonly<Record<ExportFormat, string>> = {
  ndjson: "application/x-ndjson; charset=utf-8",
  csv: "text/csv; charset=utf-8",
};

const CSV_COLUMNS = [
  "id",
  "occurred_at",
  "actor_type",
  "actor_id",
  "company_id",
  "action",
  "target_type",
  "target_id",
  "ip",
  "user_agent",
  "personal_digest",
  "request_id",
  "metadata",
  "seq",
  "prev_hash",
  "hash",
] as const satisfies readonly (keyof AuditEventsTable)[];

/**
 * RFC 4180 quoting, plus the OWASP defence against formula injection: a value that a
 * spreadsheet would run (=, +, -, @, tab, CR first) gets a leading apostrophe. User agents
 * and metadata are attacker-controlled, and audit exports are opened in spreadsheets.
 */
export function csvField(value: string | number | null): string {
  if (value === null) return "";
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(",")}\r\n`;
}

export function csvRow(row: AuditEventsTable): string {
  return `${CSV_COLUMNS.map((c) => csvField(c === "seq" ? Number(row.seq) : row[c])).join(",")}\r\n`;
}

/** Turns an event source into the text chunks of an export, one batch of lines per chunk. */
export async function* formatExport(
  rows: AsyncIterable<AuditEventsTable>,
  format: ExportFormat,
): AsyncGenerator<string> {
  if (format === "csv") yield csvHeader();
  let chunk = "";
  for await (const row of rows) {
    chunk += format === "csv" ? csvRow(row) : `${JSON.stringify(toView(row))}\n`;
    // ~64 KiB writes: fewer syscalls than one per row, still a bounded buffer.
    if (chunk.length >= 65_536) {
      yield chunk;
      chunk = "";
    }
  }
  if (chunk) yield chunk;
}
