import { Type } from "@sinclair/typebox";
import type { PersonalDataSource } from "../../platform/db/personal-data.ts";
import { recordCompanyChange } from "../audit/index.ts";
import { deleteMembership } from "./repository.ts";
import { type CompaniesDeps, forgetMembership } from "./service.ts";

/**
 * Memberships: which companies the person belongs to, with which role. A deleted account
 * is a member of nothing: its memberships are deleted, and each company's trail records
 * `member.removed` with reason `account_deleted` (no IP or User-Agent) so its admins see why
 * the person left.
 */
export function membershipsPersonalData(deps: CompaniesDeps): PersonalDataSource {
  return {
    category: "memberships",
    description: "the companies the person belongs to, their role and since when",
    item: Type.Object(
      {
        companyId: Type.String({ format: "uuid" }),
        companyName: Type.String(),
        role: Type.String(),
        since: Type.String({ format: "date-time" }),
        updatedAt: Type.String({ format: "date-time" }),
      },
      { additionalProperties: false },
    ),
    columns: {
      companies: {
        id: "none",
        name: "none",
        slug: "none",
        status: "none",
        created_at: "none",
        updated_at: "none",
        deleted_at: "none",
        require_mfa_since: "none",
      },
      memberships: {
        company_id: "erased",
        user_id: "erased",
        role: "erased",
        created_at: "erased",
        updated_at: "erased",
      },
    },
    async export(db, person) {
      const rows = await db
        .selectFrom("memberships")
        .innerJoin("companies", "companies.id", "memberships.company_id")
        .select([
          "memberships.company_id",
          "companies.name",
          "memberships.role",
          "memberships.created_at",
          "memberships.updated_at",
        ])
        .where("memberships.user_id", "=", person.userId)
        .orderBy("memberships.created_at")
        .execute();
      return rows.map((r) => ({
        companyId: r.company_id,
        companyName: r.name,
        role: r.role,
        since: r.created_at,
        updatedAt: r.updated_at,
      }));
    },
    async erase(trx, person, clock) {
      // Locked by the deletion's first step (account-deletion.ts), company by company; this
      // runs after the platform's user.deleted: the companies' streams follow, in id order.
      const rows = await trx
        .selectFrom("memberships")
        .select(["company_id", "role"])
        .where("user_id", "=", person.userId)
        .orderBy("company_id")
        .execute();
      const who = { actorType: "user" as const, actorId: person.userId, ip: null, userAgent: null, requestId: null };
      for (const row of rows) {
        // Checked: a membership this transaction did not delete is not recorded as removed.
        if (!(await deleteMembership(trx, row.company_id, person.userId))) continue;
        await recordCompanyChange(
          trx,
          clock,
          who,
          { companyId: row.company_id, action: "member.removed", target: { type: "user", id: person.userId } },
          { before: row.role, reason: "account_deleted" },
        );
      }
      return async () => {
        for (const row of rows) await forgetMembership(deps, row.company_id, person.userId);
      };
    },
  };
}
