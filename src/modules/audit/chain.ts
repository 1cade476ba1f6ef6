import { createHash, randomBytes } from "node:crypto";
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
 * The personal fields of an event (where it came from) as one salted digest. The chain
 * hash covers this digest, not the values, so erasing `ip`, `user_agent` and the salt
 * leaves every hash checkable; while the salt is kept, the digest still proves the values
 * unchanged. The salt is random per event, so an erased digest cannot be matched against
 * guessed addresses.
 */
export function personalDigest(salt: string, ip: string | null, userAgent: string | null): string {
  return createHash("sha256")
    .update(JSON.stringify(["rampart.audit.personal.v1", salt, ip, userAgent]))
    .digest("hex");
}

export function newPersonalSalt(): string {
  return randomBytes(16).toString("hex");
}

/**
 * sha256 over a fixed-order JSON array of the event's columns and the previous event's
 * hash. An array (not an object) so that no field can be confused with another, and a
 * version tag so the serialisation can change without old chains failing: v1 (events
 * written before migration 0009 on a chain that did not verify then) covers `ip` and
 * `user_agent` themselves; v2 (every event since, recognised by its `personal_digest`)
 * covers their salted digest instead.
 */
export function eventHash(e: ChainedFields): string {
  // `?? null`: a row read before migration 0009 has no such column at all.
  const digest = e.personal_digest ?? null;
  const canonical = JSON.stringify([
    digest === null ? "rampart.audit.v1" : "rampart.audit.v2",
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
    ...(digest === null ? [e.ip, e.user_agent] : [digest]),
    e.request_id,
    e.metadata,
    e.prev_hash,
  ]);
  return createHash("sha256").update(canonical).digest("hex");
}

/**
 * Why an event's personal fields do not match its digest, or undefined when they do. An
 * erased event (no salt) must have no personal values left; a kept one must hash to its digest.
 */
export function personalFieldsBreak(
  e: Pick<AuditEventsTable, "ip" | "user_agent" | "personal_salt" | "personal_digest">,
): string | undefined {
  if ((e.personal_digest ?? null) === null) return undefined;
  if (e.personal_salt === null)
    return e.ip === null && e.user_agent === null ? undefined : "ip or user_agent was set after erasure";
  return personalDigest(e.personal_salt, e.ip, e.user_agent) === e.personal_digest
    ? undefined
    : "ip or user_agent does not match the event's personal digest (the row was changed)";
}

export function streamOf(companyId: string | null): string {
  return companyId === null ? "platform" : `company:${companyId}`;
}
