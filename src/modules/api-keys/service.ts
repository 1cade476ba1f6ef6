import type { ApiKeyActor, TenantAccess, UserActor } from "../../platform/access/actor.ts";
import { API_KEY_SCOPES, isScopeIn, type Permission } from "../../platform/access/permissions.ts";
import { type Cache, namespaceOf } from "../../platform/cache/contract.ts";
import type { Clock } from "../../platform/clock.ts";
import type { DatabaseHandle } from "../../platform/db/connect.ts";
import { parseJson } from "../../platform/db/dialect.ts";
import { isUuid, newId } from "../../platform/db/ids.ts";
import { inLockedTransaction } from "../../platform/db/locked-transaction.ts";
import type { Executor } from "../../platform/db/transaction.ts";
import { toInstant } from "../../platform/http/date-time.ts";
import { type Page, type PageQuery, pageRequest, toPage } from "../../platform/http/pagination.ts";
import type { Logger } from "../../platform/logging/logger.ts";
import { type AuditActor, recordAuditEvent } from "../audit/index.ts";
import { type KeyLiveness, lockForChange } from "../companies/index.ts";
import { apiKeyErrors } from "./errors.ts";
import * as repo from "./repository.ts";
import { mintApiKey, parseApiKey, secretMatches } from "./secret.ts";
import type { ApiKeysTable } from "./tables.ts";

export interface ApiKeysDeps {
  readonly database: DatabaseHandle;
  readonly clock: Clock;
  readonly cache: Cache;
  readonly logger: Logger;
  readonly keyIsLive?: KeyLiveness;
  /** When each key's last use was last written (key id → ms), per app: see touch(). */
  readonly lastTouched: Map<string, number>;
}

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: Permission[];
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  /** The user who created the key; it never acts with more than their current rights. */
  createdBy: string | null;
  /** Expired keys stay listed (until revoked) so an owner sees why an integration stopped. */
  status: "active" | "expired";
}

/** What authentication needs of a key, cached by prefix; revocation deletes the entry everywhere. */
interface CachedKey {
  id: string;
  companyId: string;
  secretHash: string;
  scopes: Permission[];
  expiresAt: string | null;
  revoked: boolean;
  createdBy: string | null;
}

const KEY_TTL_S = 300;
/** last_used_at is a hint for humans ("unused for months?"): one write a minute per key is plenty. */
const TOUCH_INTERVAL_MS = 60_000;

const keysByPrefix = namespaceOf<CachedKey | null>({ name: "api-key", version: 2 });

function isExpired(expiresAt: string | null, now: Date): boolean {
  return expiresAt !== null && new Date(expiresAt).getTime() <= now.getTime();
}

function toApiKey(row: ApiKeysTable, now: Date): ApiKey {
  return {
    id: row.id,
    name: row.name,
    prefix: `rk_${row.prefix}`,
    scopes: parseJson<Permission[]>(row.scopes),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    createdBy: row.created_by,
    status: isExpired(row.expires_at, now) ? "expired" : "active",
  };
}

export async function createApiKey(
  deps: ApiKeysDeps,
  tenant: TenantAccess,
  actor: UserActor,
  input: { name: string; scopes: readonly string[]; expiresAt?: string },
  who: AuditActor,
): Promise<ApiKey & { key: string }> {
  const requested = [...new Set(input.scopes)];
  const notForKeys = requested.filter((scope) => !isScopeIn(API_KEY_SCOPES, scope));
  if (notForKeys.length > 0) throw apiKeyErrors.scopeNotAllowed(notForKeys);
  const scopes = requested.filter((scope) => isScopeIn(API_KEY_SCOPES, scope));
  const beyondCreator = scopes.filter((scope) => !tenant.permissions.has(scope));
  if (beyondCreator.length > 0) throw apiKeyErrors.scopeExceedsCreator(beyondCreator);
  const now = deps.clock.now();
  const expiresAt = input.expiresAt === undefined ? null : toInstant(input.expiresAt);
  if (expiresAt !== null && isExpired(expiresAt, now)) throw apiKeyErrors.expiryInPast();
  const minted = mintApiKey();
  const row: ApiKeysTable = {
    id: newId(),
    company_id: tenant.companyId,
    name: input.name.trim(),
    prefix: minted.prefix,
    secret_hash: minted.secretHash,
    scopes: JSON.stringify(scopes),
    created_by: actor.userId,
    created_at: now.toISOString(),
    expires_at: expiresAt,
    last_used_at: null,
    revoked_at: null,
  };
  await inLockedTransaction(deps.database.db, async (trx) => {
    // The creator's rights as they are now, under the company's lock: a creator removed or
    // demoted a moment ago mints nothing.
    const { access } = await lockForChange(deps, trx, tenant, who, "api_keys:manage");
    const beyondNow = scopes.filter((scope) => !access.permissions.has(scope));
    if (beyondNow.length > 0) throw apiKeyErrors.scopeExceedsCreator(beyondNow);
    await repo.insertApiKey(trx, row);
    await recordAuditEvent(trx, deps.clock, {
      ...who,
      action: "api_key.created",
      companyId: tenant.companyId,
      targetType: "api_key",
      targetId: row.id,
      metadata: { name: row.name, prefix: `rk_${row.prefix}`, scopes, expiresAt: row.expires_at },
    });
  });
  return { ...toApiKey(row, now), key: minted.key };
}

export async function listApiKeys(deps: ApiKeysDeps, tenant: TenantAccess, query: PageQuery): Promise<Page<ApiKey>> {
  const page = pageRequest(query, isUuid);
  const rows = await repo.pageOfApiKeys(deps.database.db, tenant.companyId, page);
  const now = deps.clock.now();
  return toPage(
    rows,
    page,
    (row) => row.id,
    (row) => toApiKey(row, now),
  );
}

export async function revokeApiKey(
  deps: ApiKeysDeps,
  tenant: TenantAccess,
  id: string,
  who: AuditActor,
): Promise<void> {
  const prefix = await inLockedTransaction(deps.database.db, async (trx) => {
    await lockForChange(deps, trx, tenant, who, "api_keys:manage");
    const revoked = isUuid(id) ? await repo.revokeApiKey(trx, tenant.companyId, id, deps.clock.nowIso()) : undefined;
    if (revoked === undefined) throw apiKeyErrors.notFound();
    await recordAuditEvent(trx, deps.clock, {
      ...who,
      action: "api_key.revoked",
      companyId: tenant.companyId,
      targetType: "api_key",
      targetId: id,
      metadata: { prefix: `rk_${revoked}` },
    });
    return revoked;
  });
  await keysByPrefix(deps.cache).delete(prefix);
}

/**
 * Whether the key is neither revoked nor expired, read with a lock inside the caller's
 * transaction (after the company's lock, the global order): a write by a key whose
 * revocation committed first is refused; a revocation waits for a write already under way.
 */
export async function keyIsLive(deps: Pick<ApiKeysDeps, "clock">, trx: Executor, keyId: string): Promise<boolean> {
  const key = await repo.lockApiKey(trx, keyId);
  if (!key || key.revoked_at !== null) return false;
  return key.expires_at === null || new Date(key.expires_at).getTime() > deps.clock.now().getTime();
}

/** `rk_…` → the key acting for its company, or undefined when unknown, revoked or expired. */
export async function authenticateApiKey(deps: ApiKeysDeps, presented: string): Promise<ApiKeyActor | undefined> {
  const parsed = parseApiKey(presented);
  if (!parsed) return undefined;
  const key = await keysByPrefix(deps.cache).getOrLoad(parsed.prefix, KEY_TTL_S, async () => {
    const row = await repo.findApiKeyByPrefix(deps.database.db, parsed.prefix);
    if (!row) return null;
    return {
      id: row.id,
      companyId: row.company_id,
      secretHash: row.secret_hash,
      scopes: parseJson<Permission[]>(row.scopes),
      expiresAt: row.expires_at,
      revoked: row.revoked_at !== null,
      createdBy: row.created_by,
    };
  });
  if (!key || key.revoked || !secretMatches(parsed.secret, key.secretHash)) return undefined;
  const now = deps.clock.now();
  if (isExpired(key.expiresAt, now)) return undefined;
  touch(deps, key.id, now);
  return { kind: "api_key", keyId: key.id, companyId: key.companyId, scopes: key.scopes, createdBy: key.createdBy };
}

/**
 * A key of the company that can still act (not revoked, not expired): what an invitation
 * it sent needs to know when it is accepted. Undefined otherwise.
 */
export async function liveApiKey(
  deps: Pick<ApiKeysDeps, "database" | "clock">,
  companyId: string,
  id: string,
): Promise<{ createdBy: string | null; scopes: Permission[] } | undefined> {
  const row = await repo.findApiKey(deps.database.db, companyId, id);
  if (!row || row.revoked_at !== null || isExpired(row.expires_at, deps.clock.now())) return undefined;
  return { createdBy: row.created_by, scopes: parseJson<Permission[]>(row.scopes) };
}

function touch(deps: ApiKeysDeps, id: string, now: Date): void {
  const last = deps.lastTouched.get(id);
  if (last !== undefined && now.getTime() - last < TOUCH_INTERVAL_MS) return;
  deps.lastTouched.set(id, now.getTime());
  // Off the request path: a failed hint must not fail the call it describes.
  repo.touchApiKey(deps.database.db, id, now.toISOString()).catch((error: unknown) => {
    deps.logger.warn({ err: error, apiKeyId: id }, "could not record an API key's last use");
  });
}
