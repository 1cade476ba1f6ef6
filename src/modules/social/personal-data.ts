import { Type } from "@sinclair/typebox";
import type { PersonalDataSource } from "../../platform/db/personal-data.ts";

/**
 * A person's links to social providers: the provider's id of them and the address it gave.
 * Exported with the account and erased with it (the rows also cascade from the user row).
 * A login flow holds no personal data but the account a link flow is for, an opaque id that
 * lives minutes and is erased with the account too.
 */
export const socialPersonalData: PersonalDataSource = {
  category: "linkedIdentities",
  description: "Social sign-in providers linked to the account (provider, the provider's id of the person, address)",
  item: Type.Object(
    {
      provider: Type.String(),
      subject: Type.String(),
      email: Type.Union([Type.String(), Type.Null()]),
      linkedAt: Type.String({ format: "date-time" }),
      lastUsedAt: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
    },
    { additionalProperties: false },
  ),
  columns: {
    social_identities: {
      id: "erased",
      user_id: "erased",
      provider: "erased",
      subject: "erased",
      email: "erased",
      created_at: "erased",
      last_used_at: "erased",
    },
    social_login_flows: {
      id: "none",
      state_hash: "none",
      provider: "none",
      purpose: "none",
      user_id: "erased",
      browser_hash: "none",
      nonce: "none",
      code_verifier: "none",
      created_at: "none",
      expires_at: "none",
    },
  },
  async export(db, person) {
    const rows = await db
      .selectFrom("social_identities")
      .selectAll()
      .where("user_id", "=", person.userId)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    return rows.map((r) => ({
      provider: r.provider,
      subject: r.subject,
      email: r.email,
      linkedAt: r.created_at,
      lastUsedAt: r.last_used_at,
    }));
  },
  async erase(db, person) {
    await db.deleteFrom("social_identities").where("user_id", "=", person.userId).execute();
    await db.deleteFrom("social_login_flows").where("user_id", "=", person.userId).execute();
    return undefined;
  },
};
