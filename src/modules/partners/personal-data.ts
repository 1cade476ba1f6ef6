import { Type } from "@sinclair/typebox";
import { parseJson } from "../../platform/db/dialect.ts";
import type { PersonalDataSource } from "../../platform/db/personal-data.ts";

const kept = { kept: "an opaque id: the companies' record of who asked and who decided" } as const;

/** Partnerships the person requested or decided (accepted, declined). Kept on erasure: they bind companies. */
export const partnershipsPersonalData: PersonalDataSource = {
  category: "partnerships",
  description: "partnerships between companies that the person requested or decided",
  item: Type.Object(
    {
      id: Type.String({ format: "uuid" }),
      requesterCompanyId: Type.String({ format: "uuid" }),
      partnerCompanyId: Type.String({ format: "uuid" }),
      scopes: Type.Array(Type.String()),
      status: Type.String(),
      requestedByPerson: Type.Boolean(),
      decidedByPerson: Type.Boolean(),
      createdAt: Type.String({ format: "date-time" }),
      updatedAt: Type.String({ format: "date-time" }),
    },
    { additionalProperties: false },
  ),
  columns: {
    partnerships: {
      id: "none",
      requester_company_id: "none",
      partner_company_id: "none",
      pair_key: "none",
      scopes: "none",
      status: "none",
      requested_by: kept,
      decided_by: kept,
      created_at: "none",
      updated_at: "none",
    },
  },
  async export(db, person) {
    const rows = await db
      .selectFrom("partnerships")
      .selectAll()
      .where((eb) => eb.or([eb("requested_by", "=", person.userId), eb("decided_by", "=", person.userId)]))
      .orderBy("created_at")
      .execute();
    return rows.map((r) => ({
      id: r.id,
      requesterCompanyId: r.requester_company_id,
      partnerCompanyId: r.partner_company_id,
      scopes: parseJson<string[]>(r.scopes),
      status: r.status,
      requestedByPerson: r.requested_by === person.userId,
      decidedByPerson: r.decided_by === person.userId,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    }));
  },
  async erase() {
    return undefined;
  },
};
