import { keysetPage } from "../../platform/db/keyset.ts";
import { forUpdate } from "../../platform/db/locked-transaction.ts";
import type { Executor } from "../../platform/db/transaction.ts";
import type { PageRequest } from "../../platform/http/pagination.ts";
import type { InvitationsTable } from "./tables.ts";

// Company-scoped reads and writes name the company the access layer resolved, so another
// company's invitation id is simply not found. Only acceptance looks up by token across
// companies: the token is the credential and names its company.

export async function insertInvitation(db: Executor, invitation: InvitationsTable): Promise<void> {
  await db.insertInto("invitations").values(invitation).execute();
}

export function findPendingForEmail(
  db: Executor,
  companyId: string,
  email: string,
): Promise<InvitationsTable | undefined> {
  return db
    .selectFrom("invitations")
    .selectAll()
    .where("company_id", "=", companyId)
    .where("email", "=", email)
    .where("status", "=", "pending")
    .executeTakeFirst();
}

/** Marks a lapsed pending invitation expired, freeing its address for a new one. */
export async function markExpired(db: Executor, companyId: string, id: string): Promise<void> {
  await db
    .updateTable("invitations")
    .set({ status: "expired" })
    .where("company_id", "=", companyId)
    .where("id", "=", id)
    .where("status", "=", "pending")
    .execute();
}

/** Pending invitations that have not lapsed yet (or, with `lapsedToo`, also those that have). */
export function pageOfPending(
  db: Executor,
  companyId: string,
  now: string,
  page: PageRequest,
  lapsedToo = false,
): Promise<InvitationsTable[]> {
  const pending = db
    .selectFrom("invitations")
    .selectAll()
    .where("company_id", "=", companyId)
    .where("status", "=", "pending");
  const query = lapsedToo ? pending : pending.where("expires_at", ">", now);
  return keysetPage(query, "id", page).execute();
}

/** Revokes a pending invitation of the company; false when there is none to revoke. */
export async function revokeInvitation(db: Executor, companyId: string, id: string, now: string): Promise<boolean> {
  const result = await db
    .updateTable("invitations")
    .set({ status: "revoked", revoked_at: now })
    .where("company_id", "=", companyId)
    .where("id", "=", id)
    .where("status", "=", "pending")
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export function findByTokenHash(db: Executor, tokenHash: string): Promise<InvitationsTable | undefined> {
  return db.selectFrom("invitations").selectAll().where("token_hash", "=", tokenHash).executeTakeFirst();
}

/**
 * Claims a pending invitation by the token presented; false when a concurrent request
 * claimed or revoked it first, or a resend replaced the token since it was looked up.
 */
export async function markAccepted(
  db: Executor,
  id: string,
  tokenHash: string,
  userId: string,
  now: string,
): Promise<boolean> {
  const result = await db
    .updateTable("invitations")
    .set({ status: "accepted", accepted_at: now, accepted_by: userId })
    .where("id", "=", id)
    .where("token_hash", "=", tokenHash)
    .where("status", "=", "pending")
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

const invitationById = (db: Executor, companyId: string, id: string) =>
  db.selectFrom("invitations").selectAll().where("company_id", "=", companyId).where("id", "=", id);

export function findInvitation(db: Executor, companyId: string, id: string): Promise<InvitationsTable | undefined> {
  return invitationById(db, companyId, id).executeTakeFirst();
}

/** The company's invitation row, locked (after the company's locks: docs/architecture.md). */
export function lockInvitation(db: Executor, companyId: string, id: string): Promise<InvitationsTable | undefined> {
  return forUpdate(db, invitationById(db, companyId, id)).executeTakeFirst();
}

/** A resend: a new token, expiry and grantor for a still-pending invitation; false when it is no longer pending. */
export async function renewInvitation(
  db: Executor,
  companyId: string,
  id: string,
  patch: Pick<InvitationsTable, "token_hash" | "expires_at" | "invited_by" | "invited_by_api_key">,
): Promise<boolean> {
  const result = await db
    .updateTable("invitations")
    .set(patch)
    .where("company_id", "=", companyId)
    .where("id", "=", id)
    .where("status", "=", "pending")
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
