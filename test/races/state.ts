import type { LightMyRequestResponse } from "fastify";
import { parseJson } from "../../src/platform/db/dialect.ts";
import type { IdentityHarness } from "../helpers/identity.ts";
import type { SignedIn } from "../helpers/tenancy.ts";

/** State read back from the database after a race, as the invariants need it. */

export async function owners(h: IdentityHarness, companyId: string): Promise<string[]> {
  const rows = await h.database.handle.db
    .selectFrom("memberships")
    .select("user_id")
    .where("company_id", "=", companyId)
    .where("role", "=", "owner")
    .execute();
  return rows.map((row) => row.user_id);
}

export async function roleIn(h: IdentityHarness, companyId: string, userId: string): Promise<string | undefined> {
  const row = await h.database.handle.db
    .selectFrom("memberships")
    .select("role")
    .where("company_id", "=", companyId)
    .where("user_id", "=", userId)
    .executeTakeFirst();
  return row?.role;
}

export interface StoredEvent {
  seq: number;
  action: string;
  actorId: string | null;
  targetId: string | null;
  metadata: Record<string, unknown>;
}

/** The company's audit stream in chain order. */
export async function companyEvents(h: IdentityHarness, companyId: string): Promise<StoredEvent[]> {
  const rows = await h.database.handle.db
    .selectFrom("audit_events")
    .select(["seq", "action", "actor_id", "target_id", "metadata"])
    .where("company_id", "=", companyId)
    .orderBy("seq")
    .execute();
  return rows.map((row) => ({
    seq: Number(row.seq),
    action: row.action,
    actorId: row.actor_id,
    targetId: row.target_id,
    metadata: parseJson<Record<string, unknown>>(row.metadata),
  }));
}

/** The sequence number of the first event with this action (and target), or undefined. */
export function seqOf(events: StoredEvent[], action: string, targetId?: string): number | undefined {
  return events.find((e) => e.action === action && (targetId === undefined || e.targetId === targetId))?.seq;
}

/**
 * "A removed actor's writes are refused": when both the removal and the actor's write
 * answered 2xx, the write must have committed before the removal in the company's chain.
 */
export function writeAfterRemoval(
  events: StoredEvent[],
  removed: SignedIn,
  removal: LightMyRequestResponse,
  write: LightMyRequestResponse,
  writeAction: string,
): string[] {
  if (removal.statusCode !== 204 || write.statusCode >= 300) return [];
  const removedAt = seqOf(events, "member.removed", removed.userId);
  const wroteAt = events.find((e) => e.action === writeAction && e.actorId === removed.userId)?.seq;
  if (removedAt === undefined || wroteAt === undefined) return [`missing events (${removedAt}, ${wroteAt})`];
  return wroteAt > removedAt ? [`${writeAction} committed after the actor's removal`] : [];
}

export async function companyStatus(h: IdentityHarness, companyId: string) {
  return h.database.handle.db
    .selectFrom("companies")
    .select(["status", "deleted_at"])
    .where("id", "=", companyId)
    .executeTakeFirstOrThrow();
}

export async function userStatus(h: IdentityHarness, userId: string) {
  const row = await h.database.handle.db
    .selectFrom("users")
    .select("status")
    .where("id", "=", userId)
    .executeTakeFirstOrThrow();
  return row.status;
}

export async function activeSessions(h: IdentityHarness, userId: string): Promise<string[]> {
  const rows = await h.database.handle.db
    .selectFrom("sessions")
    .select("id")
    .where("user_id", "=", userId)
    .where("revoked_at", "is", null)
    .execute();
  return rows.map((row) => row.id);
}
