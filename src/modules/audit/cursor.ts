import { isUuid } from "../../platform/db/ids.ts";
import type { AuditKey } from "./repository.ts";

/** The sort key of the last row a page showed, as the one string the shared pagination cursor carries. */
export function keyString(key: AuditKey): string {
  return `${key.occurredAt} ${key.id}`;
}

/**
 * Checked strictly: the parts go into SQL comparisons (as parameters), and PostgreSQL
 * rejects a malformed uuid or timestamp with an error that would otherwise be a 500.
 */
export function parseKey(value: string): AuditKey | undefined {
  const [occurredAt, id, extra] = value.split(" ");
  if (occurredAt === undefined || id === undefined || extra !== undefined || !isUuid(id)) return undefined;
  if (Number.isNaN(Date.parse(occurredAt)) || new Date(occurredAt).toISOString() !== occurredAt) return undefined;
  return { occurredAt, id };
}
