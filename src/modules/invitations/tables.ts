import type { Role } from "../../platform/access/permissions.ts";

/**
 * pending → accepted | revoked; a pending invitation past `expires_at` is lapsed and is
 * marked expired when a new invitation to the same address replaces it.
 */
export type InvitationStatus = "pending" | "accepted" | "revoked" | "expired";

export interface InvitationsTable {
  id: string;
  company_id: string;
  /** Normalised (lower-cased, trimmed, NFKC), like identity stores addresses. */
  email: string;
  role: Role;
  /** SHA-256 of the mailed token; the token itself is never stored. */
  token_hash: string;
  /** The inviting user; null when an API key invited. */
  invited_by: string | null;
  /** The inviting API key, when a key invited (its creator's rights are checked on acceptance). */
  invited_by_api_key: string | null;
  status: InvitationStatus;
  created_at: string;
  expires_at: string;
  accepted_at: string | null;
  accepted_by: string | null;
  revoked_at: string | null;
}

export interface InvitationsTables {
  invitations: InvitationsTable;
}
