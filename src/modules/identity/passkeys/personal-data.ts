import { Type } from "@sinclair/typebox";
import type { PersonalDataSource } from "../../../platform/db/personal-data.ts";
import { toPasskeyView } from "./view.ts";

/**
 * A person's passkeys (exported without the key material, which says nothing about them but
 * would let anyone holding the export spot the credential) and pending challenges: all
 * erased with the account.
 */
export const passkeysPersonalData: PersonalDataSource = {
  category: "passkeys",
  description: "registered passkeys: name, kind, transports, when created and last used (never the key itself)",
  item: Type.Object(
    {
      id: Type.String({ format: "uuid" }),
      name: Type.String(),
      deviceType: Type.String(),
      transports: Type.Array(Type.String()),
      createdAt: Type.String({ format: "date-time" }),
      lastUsedAt: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
    },
    { additionalProperties: false },
  ),
  columns: {
    passkeys: {
      id: "erased",
      user_id: "erased",
      credential_id: "erased",
      public_key: "erased",
      counter: "erased",
      transports: "erased",
      device_type: "erased",
      aaguid: "erased",
      name: "erased",
      created_at: "erased",
      last_used_at: "erased",
    },
    webauthn_challenges: {
      id: "erased",
      challenge: "erased",
      purpose: "erased",
      user_id: "erased",
      created_at: "erased",
      expires_at: "erased",
    },
  },
  async export(db, person) {
    const rows = await db
      .selectFrom("passkeys")
      .selectAll()
      .where("user_id", "=", person.userId)
      .orderBy("created_at")
      .execute();
    return rows.map(toPasskeyView);
  },
  async erase(trx, person) {
    await trx.deleteFrom("passkeys").where("user_id", "=", person.userId).execute();
    await trx.deleteFrom("webauthn_challenges").where("user_id", "=", person.userId).execute();
    return undefined;
  },
};
