import { Type } from "@sinclair/typebox";
import { parseJson } from "../../platform/db/dialect.ts";
import type { PersonalDataSource } from "../../platform/db/personal-data.ts";

const DateTime = Type.String({ format: "date-time" });
const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

/**
 * API keys the person created. A key belongs to its company, not to its creator: erasure
 * keeps it, and `created_by` stays as an opaque id whose account row is scrubbed. (What a
 * key may still do once its creator is gone is the keys' own rule, docs/security.md.)
 */
export const apiKeysPersonalData: PersonalDataSource = {
  category: "apiKeysCreated",
  description: "API keys the person created: company, name, public prefix, scopes and dates (never the secret)",
  item: Type.Object(
    {
      id: Type.String({ format: "uuid" }),
      companyId: Type.String({ format: "uuid" }),
      name: Type.String(),
      prefix: Type.String(),
      scopes: Type.Array(Type.String()),
      createdAt: DateTime,
      expiresAt: Nullable(DateTime),
      lastUsedAt: Nullable(DateTime),
      revokedAt: Nullable(DateTime),
    },
    { additionalProperties: false },
  ),
  columns: {
    api_keys: {
      id: "none",
      company_id: "none",
      name: "none",
      prefix: "none",
      secret_hash: "none",
      scopes: "none",
      created_by: { kept: "the creator's opaque id: the company's record of who made the key" },
      created_at: "none",
      expires_at: "none",
      last_used_at: "none",
      revoked_at: "none",
    },
  },
  async export(db, person) {
    const rows = await db
      .selectFrom("api_keys")
      .selectAll()
      .where("created_by", "=", person.userId)
      .orderBy("created_at")
      .execute();
    return rows.map((r) => ({
      id: r.id,
      companyId: r.company_id,
      name: r.name,
      prefix: `rk_${r.prefix}`,
      scopes: parseJson<string[]>(r.scopes),
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      lastUsedAt: r.last_used_at,
      revokedAt: r.revoked_at,
    }));
  },
  async erase() {
    return undefined;
  },
};
