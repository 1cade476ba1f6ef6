import { Type } from "@sinclair/typebox";
import type { PersonalDataSource } from "../../platform/db/personal-data.ts";
import type { Executor } from "../../platform/db/transaction.ts";
import type { InvitationsTable } from "./tables.ts";

const DateTime = Type.String({ format: "date-time" });
const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

const Invitation = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    companyId: Type.String({ format: "uuid" }),
    email: Type.String(),
    role: Type.String(),
    status: Type.String(),
    createdAt: DateTime,
    expiresAt: DateTime,
    acceptedAt: Nullable(DateTime),
    revokedAt: Nullable(DateTime),
  },
  { additionalProperties: false },
);

function toItem(r: InvitationsTable) {
  return {
    id: r.id,
    companyId: r.company_id,
    email: r.email,
    role: r.role,
    status: r.status,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    acceptedAt: r.accepted_at,
    revokedAt: r.revoked_at,
  };
}

/** The address an erased invitation keeps: unique per row, and undeliverable (RFC 2606 `.invalid`). */
function erasedAddress(id: string): string {
  return `erased+${id}@invalid`;
}

/**
 * Invitations the person sent (`invited_by`) and those addressed to them. On erasure, every
 * pending one the person sent is revoked (a deleted account grants nothing) and its
 * invitee's address erased; every invitation addressed to the person loses the address.
 */
export const invitationsPersonalData: readonly PersonalDataSource[] = [
  {
    category: "invitationsSent",
    description: "invitations the person sent: company, invitee's address, role, status and dates",
    item: Invitation,
    columns: {
      invitations: {
        id: "none",
        company_id: "none",
        email: "erased",
        role: "none",
        token_hash: { kept: "a hash of a token that no longer works once the invitation is not pending" },
        invited_by: { kept: "the sender's opaque id: the company's record of who invited whom" },
        invited_by_api_key: "none",
        status: "erased",
        created_at: "none",
        expires_at: "none",
        accepted_at: "none",
        accepted_by: { kept: "the accepting account's opaque id" },
        revoked_at: "erased",
      },
    },
    async export(db, person) {
      const rows = await db
        .selectFrom("invitations")
        .selectAll()
        .where("invited_by", "=", person.userId)
        .orderBy("created_at")
        .execute();
      return rows.map(toItem);
    },
    async erase(trx, person, clock) {
      const now = clock.nowIso();
      const pending = await trx
        .selectFrom("invitations")
        .select("id")
        .where("invited_by", "=", person.userId)
        .where("status", "=", "pending")
        .execute();
      for (const { id } of pending)
        await trx
          .updateTable("invitations")
          .set({ status: "revoked", revoked_at: now, email: erasedAddress(id) })
          .where("id", "=", id)
          .execute();
      return undefined;
    },
  },
  {
    category: "invitationsReceived",
    description: "invitations addressed to the person's address or accepted by them",
    item: Invitation,
    columns: {},
    async export(db, person) {
      const rows = await db
        .selectFrom("invitations")
        .selectAll()
        .where((eb) => eb.or([eb("email", "=", person.email), eb("accepted_by", "=", person.userId)]))
        .orderBy("created_at")
        .execute();
      return rows.map(toItem);
    },
    async erase(trx: Executor, person, clock) {
      const now = clock.nowIso();
      const rows = await trx
        .selectFrom("invitations")
        .select(["id", "status"])
        .where("email", "=", person.email)
        .execute();
      for (const row of rows)
        await trx
          .updateTable("invitations")
          .set({
            email: erasedAddress(row.id),
            ...(row.status === "pending" ? { status: "revoked" as const, revoked_at: now } : {}),
          })
          .where("id", "=", row.id)
          .execute();
      return undefined;
    },
  },
];
