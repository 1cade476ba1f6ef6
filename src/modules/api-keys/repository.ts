import { keysetPage } from "../../platform/db/keyset.ts";
import { forUpdate } from "../../platform/db/locked-transaction.ts";
import type { Executor } from "../../platform/db/transaction.ts";
import type { PageRequest } from "../../platform/http/pagination.ts";
import type { ApiKeysTable } from "./tables.ts";

// Every read and write names the company the access layer resolved: a key id of another
// company is simply not found.

export async function insertApiKey(db: Executor, key: ApiKeysTable): Promise<void> {
  await db.insertInto("api_keys").values(key).execute();
}

export function pageOfApiKeys(db: Executor, companyId: string, page: PageRequest): Promise<ApiKeysTable[]> {
  const query = db
    .selectFrom("api_keys")
    .selectAll()
    .where("company_id", "=", companyId)
    .where("revoked_at", "is", null);
  return keysetPage(query, "id", page).execute();
}

/** Revokes the key if it belongs to the company and is not revoked yet; returns its prefix. */
export async function revokeApiKey(
  db: Executor,
  companyId: string,
  id: string,
  now: string,
): Promise<string | undefined> {
  const row = await db
    .updateTable("api_keys")
    .set({ revoked_at: now })
    .where("company_id", "=", companyId)
    .where("id", "=", id)
    .where("revoked_at", "is", null)
    .returning("prefix")
    .executeTakeFirst();
  return row?.prefix;
}

export function findApiKey(db: Executor, companyId: string, id: string): Promise<ApiKeysTable | undefined> {
  return db
    .selectFrom("api_keys")
    .selectAll()
    .where("company_id", "=", companyId)
    .where("id", "=", id)
    .executeTakeFirst();
}

/** Authentication's lookup: by the public prefix, across companies (the key names its company). */
export function findApiKeyByPrefix(db: Executor, prefix: string): Promise<ApiKeysTable | undefined> {
  return db.selectFrom("api_keys").selectAll().where("prefix", "=", prefix).executeTakeFirst();
}

export async function touchApiKey(db: Executor, id: string, now: string): Promise<void> {
  await db.updateTable("api_keys").set({ last_used_at: now }).where("id", "=", id).execute();
}

/** The key's revocation and expiry, locked until the caller's transaction ends. */
export function lockApiKey(db: Executor, id: string) {
  return forUpdate(
    db,
    db.selectFrom("api_keys").select(["revoked_at", "expires_at"]).where("id", "=", id),
  ).executeTakeFirst();
}
