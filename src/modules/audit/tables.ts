export type AuditActorType = "user" | "api_key" | "system";

/** One audit event; append-only (only `rampart audit prune` deletes, and only a stream's oldest prefix). */
export interface AuditEventsTable {
  id: string;
  /** The hash chain this event belongs to: `company:<id>` or `platform`. */
  stream: string;
  /** Position in the stream's chain, 1-based and gap-free (PostgreSQL returns bigint as a string). */
  seq: number | string;
  occurred_at: string;
  actor_type: AuditActorType;
  actor_id: string | null;
  company_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  /** Personal: erased with the user's account (see docs/audit.md, "Personal data"). */
  ip: string | null;
  user_agent: string | null;
  /** Random per event; erased with `ip` and `user_agent`. Null on v1 events. */
  personal_salt: string | null;
  /** sha256 of salt, ip and user agent: what the chain hash covers instead of them. Null on v1 events. */
  personal_digest: string | null;
  request_id: string | null;
  /** Canonical JSON text (sorted keys), exactly the bytes the hash covers. */
  metadata: string;
  prev_hash: string;
  hash: string;
}

/** A stream's latest link, locked by every append; the anchor is where verification starts. */
export interface AuditChainHeadsTable {
  stream: string;
  last_seq: number | string;
  last_hash: string;
  anchor_seq: number | string;
  anchor_hash: string;
  pruned_at: string | null;
}

export interface AuditTables {
  audit_events: AuditEventsTable;
  audit_chain_heads: AuditChainHeadsTable;
}
