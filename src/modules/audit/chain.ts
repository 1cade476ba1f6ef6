import { createHash } from "node:crypto";
import type { AuditEventsTable } from "./tables.ts";

/** The prev_hash of a stream's first event. */
export const GENESIS_HASH = "0".repeat(64);

/** JSON with object keys sorted at every level: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const item = (value as Record<string, unknown>)[key];
    if (item !== undefined) out[key] = sortKeys(item);
  }
  return out;
}

/**
 * The stored columns an event's hash covers: everything but the hash itself. The position
 * is a number here (PostgreSQL hands bigint back as a string), and the actor type is read
 * as any string, so a tampered value is hashed as stored rather than rejected by the type.
 */
export type ChainedFields = Omit<AuditEventsTable, "hash" | "seq" | "actor_type"> & {
  seq: number;
  actor_type: string;
};

/**
 * sha256 over a fixed-order JSON array of the event's columns and the previous event's
 * hash. An array (not an object) so that no field can be confused with another, and a
 * version tag so the serialisation can change later without old chains failing.
 */
export function eventHash(e: ChainedFields): string {
  const canonical = JSON.stringify([
    "rampart.audit.v1",
    e.id,
    e.stream,
    e.seq,
    e.occurred_at,
    e.actor_type,
    e.actor_id,
    e.company_id,
    e.action,
    e.target_type,
    e.target_id,
    e.ip,
    e.user_agent,
    e.request_id,
    e.metadata,
    e.prev_hash,
  ]);
  return createHash("sha256").update(canonical).digest("hex");
}

export function streamOf(companyId: string | null): string {
  return companyId === null ? "platform" : `company:${companyId}`;
}
