import type { Executor } from "../../../platform/db/transaction.ts";
import type { SamlPurpose } from "./tables.ts";

// The SAML state every instance shares (migrations/0015_saml_replay.ts). Each decision —
// this response answers that request, this assertion is new — is one conditional
// statement whose row count says whether this request won, so two instances given the same
// response cannot both accept it.

export type SamlExecutor = Executor;

export async function insertRequest(
  db: SamlExecutor,
  row: {
    id: string;
    connectionId: string;
    purpose: SamlPurpose;
    browserHash: string | null;
    now: string;
    expiresAt: string;
  },
): Promise<void> {
  await db
    .insertInto("saml_requests")
    .values({
      id: row.id,
      connection_id: row.connectionId,
      purpose: row.purpose,
      browser_hash: row.browserHash,
      created_at: row.now,
      expires_at: row.expiresAt,
    })
    .execute();
}

/**
 * Spends a request id: its purpose (and the browser it was bound to) only for the one caller whose DELETE removed the live row
 * of this connection, else undefined. The purpose (sign-in or an owner's dry run) was stored
 * at the start, server-side: RelayState, which the browser carries, never decides it.
 */
export async function consumeRequest(
  db: SamlExecutor,
  id: string,
  connectionId: string,
  now: string,
): Promise<{ purpose: SamlPurpose; browserHash: string | null } | undefined> {
  const row = await db
    .deleteFrom("saml_requests")
    .where("id", "=", id)
    .where("connection_id", "=", connectionId)
    .where("expires_at", ">", now)
    .returning(["purpose", "browser_hash"])
    .executeTakeFirst();
  return row ? { purpose: row.purpose, browserHash: row.browser_hash } : undefined;
}

/** True when the request id is outstanding (not spent, not expired) for this connection; spends nothing. */
export async function isRequestOutstanding(
  db: SamlExecutor,
  id: string,
  connectionId: string,
  now: string,
): Promise<boolean> {
  const row = await db
    .selectFrom("saml_requests")
    .select("id")
    .where("id", "=", id)
    .where("connection_id", "=", connectionId)
    .where("expires_at", ">", now)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Records an accepted assertion: true when it was new. The primary key (connection,
 * assertion id) makes the INSERT itself the check — a concurrent second use inserts nothing.
 */
export async function recordAssertion(
  db: SamlExecutor,
  row: { connectionId: string; assertionId: string; now: string; expiresAt: string },
): Promise<boolean> {
  const result = await db
    .insertInto("saml_assertions")
    .values({
      connection_id: row.connectionId,
      assertion_id: row.assertionId,
      created_at: row.now,
      expires_at: row.expiresAt,
    })
    .onConflict((oc) => oc.columns(["connection_id", "assertion_id"]).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
}

/** Deletes expired request ids and replay entries; returns how many rows went. */
export async function pruneSamlState(db: Executor, now: string): Promise<number> {
  const requests = await db.deleteFrom("saml_requests").where("expires_at", "<=", now).executeTakeFirst();
  const assertions = await db.deleteFrom("saml_assertions").where("expires_at", "<=", now).executeTakeFirst();
  return Number(requests.numDeletedRows) + Number(assertions.numDeletedRows);
}
