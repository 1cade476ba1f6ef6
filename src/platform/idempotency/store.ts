import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from "node:crypto";
import type { Executor } from "../db/transaction.ts";

/** The first response to an Idempotency-Key (migrations/0011), sealed with the client's key. */
export interface IdempotencyKeysTable {
  /** HMAC of (actor, method, path, key): the key itself is never stored. */
  id: string;
  /** `user:<id>` or `api_key:<id>`. */
  actor: string;
  /** SHA-256 of the request body as parsed (canonical JSON). */
  fingerprint: string;
  status: "in_flight" | "done";
  /** An in-flight claim older than this belongs to an instance that died: a repeat takes over. */
  locked_until: string;
  /** Sealed JSON of the stored response; null while in flight. */
  response: string | null;
  created_at: string;
  expires_at: string;
}

export interface StoredResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** base64 of the exact bytes sent. */
  readonly body: string;
}

export interface IdempotencyScope {
  readonly key: string;
  readonly actor: string;
  readonly method: string;
  readonly path: string;
}

function derive(label: string, scope: IdempotencyScope): Buffer {
  return createHmac("sha256", scope.key)
    .update(`${label}\u0000${scope.actor}\u0000${scope.method}\u0000${scope.path}`)
    .digest();
}

export function idOf(scope: IdempotencyScope): string {
  return derive("rampart-idempotency-id", scope).toString("hex");
}

/** AES-256-GCM under a key only the client holds (its Idempotency-Key): a database dump reveals no response. */
export function seal(scope: IdempotencyScope, response: StoredResponse): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", derive("rampart-idempotency-seal", scope), iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(response), "utf8"), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64");
}

export function unseal(scope: IdempotencyScope, sealed: string): StoredResponse {
  const raw = Buffer.from(sealed, "base64");
  const decipher = createDecipheriv("aes-256-gcm", derive("rampart-idempotency-seal", scope), raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
  return JSON.parse(text) as StoredResponse;
}

export function fingerprintOf(body: unknown): string {
  return createHash("sha256")
    .update(canonical(body ?? null))
    .digest("hex");
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export type ClaimResult =
  | { readonly kind: "claimed" }
  | { readonly kind: "in_flight" }
  | { readonly kind: "mismatch" }
  | { readonly kind: "replay"; readonly response: StoredResponse };

/**
 * Claims the key for this request, or says why not. The insert is the arbiter across
 * instances: of two concurrent first requests exactly one inserts, the other sees its row.
 */
export async function claimKey(
  db: Executor,
  scope: IdempotencyScope,
  fingerprint: string,
  now: Date,
  options: { readonly ttlMs: number; readonly lockMs: number },
): Promise<ClaimResult> {
  const id = idOf(scope);
  const iso = now.toISOString();
  for (let attempt = 0; attempt < 3; attempt++) {
    const inserted = await db
      .insertInto("idempotency_keys")
      .values({
        id,
        actor: scope.actor,
        fingerprint,
        status: "in_flight",
        locked_until: new Date(now.getTime() + options.lockMs).toISOString(),
        response: null,
        created_at: iso,
        expires_at: new Date(now.getTime() + options.ttlMs).toISOString(),
      })
      .onConflict((oc) => oc.column("id").doNothing())
      .returning("id")
      .executeTakeFirst();
    if (inserted !== undefined) return { kind: "claimed" };
    const row = await db.selectFrom("idempotency_keys").selectAll().where("id", "=", id).executeTakeFirst();
    if (!row) continue;
    if (new Date(row.expires_at).getTime() <= now.getTime()) {
      // Expired but not cleaned up yet: as good as absent.
      await db.deleteFrom("idempotency_keys").where("id", "=", id).where("expires_at", "=", row.expires_at).execute();
      continue;
    }
    if (row.fingerprint !== fingerprint) return { kind: "mismatch" };
    if (row.status === "done" && row.response !== null)
      return { kind: "replay", response: unseal(scope, row.response) };
    if (new Date(row.locked_until).getTime() > now.getTime()) return { kind: "in_flight" };
    // The first request's instance died before answering: take its claim over.
    const taken = await db
      .updateTable("idempotency_keys")
      .set({ locked_until: new Date(now.getTime() + options.lockMs).toISOString() })
      .where("id", "=", id)
      .where("status", "=", "in_flight")
      .where("locked_until", "=", row.locked_until)
      .executeTakeFirst();
    return Number(taken.numUpdatedRows) === 1 ? { kind: "claimed" } : { kind: "in_flight" };
  }
  return { kind: "in_flight" };
}

export async function completeKey(db: Executor, scope: IdempotencyScope, response: StoredResponse): Promise<void> {
  await db
    .updateTable("idempotency_keys")
    .set({ status: "done", response: seal(scope, response) })
    .where("id", "=", idOf(scope))
    .execute();
}

/** The first request failed in a way worth retrying (5xx): the key is free again. */
export async function releaseKey(db: Executor, scope: IdempotencyScope): Promise<void> {
  await db.deleteFrom("idempotency_keys").where("id", "=", idOf(scope)).where("status", "=", "in_flight").execute();
}

export async function deleteExpiredKeys(db: Executor, now: Date): Promise<number> {
  const result = await db
    .deleteFrom("idempotency_keys")
    .where("expires_at", "<=", now.toISOString())
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
