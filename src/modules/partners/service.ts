import type { TenantAccess, TenantLookup } from "../../platform/access/actor.ts";
import { isScopeIn, PARTNER_SCOPES, type Permission, permissionsOf } from "../../platform/access/permissions.ts";
import { type Cache, namespaceOf } from "../../platform/cache/contract.ts";
import type { Clock } from "../../platform/clock.ts";
import type { DatabaseHandle } from "../../platform/db/connect.ts";
import { parseJson } from "../../platform/db/dialect.ts";
import { isUniqueViolation } from "../../platform/db/errors.ts";
import { isUuid, newId } from "../../platform/db/ids.ts";
import { inLockedTransaction } from "../../platform/db/locked-transaction.ts";
import type { Executor } from "../../platform/db/transaction.ts";
import { type Page, type PageQuery, pageRequest, toPage } from "../../platform/http/pagination.ts";
import { type AuditActor, recordCompanyChange } from "../audit/index.ts";
import * as companies from "../companies/index.ts";
import { partnerErrors } from "./errors.ts";
import * as repo from "./repository.ts";
import type { PartnershipStatus, PartnershipsTable } from "./tables.ts";

export interface PartnersDeps {
  readonly database: DatabaseHandle;
  readonly clock: Clock;
  readonly cache: Cache;
  /** Re-checks an acting API key inside a change's transaction (from api-keys, wired in app.ts). */
  readonly keyIsLive?: companies.KeyLiveness;
}

export interface Partnership {
  id: string;
  /** outgoing: this company asked; incoming: the other company asked. */
  direction: "incoming" | "outgoing";
  company: { id: string; slug: string; name: string };
  status: PartnershipStatus;
  scopes: Permission[];
  createdAt: string;
  updatedAt: string;
}

/** Who acted: a user's id, or null for an API key (its scopes already bound it to the company). */
export type ActingUser = string | null;

/** A company's active partners and the scopes each partnership grants, cached per company. */
interface ActivePartner {
  companyId: string;
  scopes: Permission[];
}

const PARTNERS_TTL_S = 300;
const NOT_FOUND: TenantLookup = { kind: "not_found" };

const activePartnersCache = namespaceOf<ActivePartner[]>({ name: "partnerships", version: 1 });

/** After every committed change: both sides' partner lists, on every instance. */
async function forgetPartners(
  deps: PartnersDeps,
  row: Pick<PartnershipsTable, "requester_company_id" | "partner_company_id">,
) {
  const cache = activePartnersCache(deps.cache);
  await cache.delete(row.requester_company_id);
  await cache.delete(row.partner_company_id);
}

function otherSide(row: Pick<PartnershipsTable, "requester_company_id" | "partner_company_id">, companyId: string) {
  return row.requester_company_id === companyId ? row.partner_company_id : row.requester_company_id;
}

/**
 * The first step of every partnership change, inside its transaction (docs/architecture.md,
 * "Locking discipline"): both companies' rows in id order — the acting company through
 * `lockForChange`, which re-checks the actor's membership, role and key against the locked
 * rows — so a change never interleaves with either company's deletion or suspension.
 * Returns the other company as locked (undefined when it does not exist).
 */
async function lockBothSides(
  deps: PartnersDeps,
  trx: Executor,
  tenant: TenantAccess,
  who: AuditActor,
  otherId: string,
): Promise<companies.Company | undefined> {
  const otherFirst = otherId < tenant.companyId;
  const first = otherFirst ? await companies.lockCompanyToJoin(trx, otherId) : undefined;
  await companies.lockForChange(deps, trx, tenant, who, "partners:manage");
  return otherFirst ? first : companies.lockCompanyToJoin(trx, otherId);
}

/** The partnership's row as read before locking: only its two (immutable) company ids are used from it. */
async function sidesOf(deps: PartnersDeps, companyId: string, id: string): Promise<PartnershipsTable> {
  const row = isUuid(id) ? await repo.findPartnership(deps.database.db, companyId, id) : undefined;
  if (!row) throw partnerErrors.notFound();
  return row;
}

/** The partnership locked inside the transaction (after its companies), or 404. */
async function lockedPartnership(trx: Executor, companyId: string, id: string): Promise<PartnershipsTable> {
  const row = await repo.lockPartnership(trx, companyId, id);
  if (!row) throw partnerErrors.notFound();
  return row;
}

async function toPartnerships(deps: PartnersDeps, companyId: string, rows: PartnershipsTable[]) {
  const others = await companies.companiesById(
    deps,
    rows.map((row) => otherSide(row, companyId)),
  );
  return (row: PartnershipsTable): Partnership => {
    const other = others.get(otherSide(row, companyId));
    return {
      id: row.id,
      direction: row.requester_company_id === companyId ? "outgoing" : "incoming",
      company: { id: otherSide(row, companyId), slug: other?.slug ?? "", name: other?.name ?? "" },
      status: row.status,
      scopes: parseJson<Permission[]>(row.scopes),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  };
}

async function viewOf(deps: PartnersDeps, companyId: string, row: PartnershipsTable): Promise<Partnership> {
  return (await toPartnerships(deps, companyId, [row]))(row);
}

export async function requestPartnership(
  deps: PartnersDeps,
  tenant: TenantAccess,
  by: ActingUser,
  input: { partnerSlug: string; scopes: readonly string[] },
  who: AuditActor,
): Promise<Partnership> {
  const requested = [...new Set(input.scopes)];
  const notForPartners = requested.filter((scope) => !isScopeIn(PARTNER_SCOPES, scope));
  if (notForPartners.length > 0) throw partnerErrors.scopeNotAllowed(notForPartners);
  const scopes = requested.filter((scope) => isScopeIn(PARTNER_SCOPES, scope));
  const found = await companies.findCompanyBySlug(deps, input.partnerSlug);
  if (!found) throw partnerErrors.partnerNotFound();
  if (found.id === tenant.companyId) throw partnerErrors.self();
  const row = await inLockedTransaction(deps.database.db, async (trx) => {
    // The partner as it is now, locked: one deleted while this request ran is not found.
    const partner = await lockBothSides(deps, trx, tenant, who, found.id);
    if (!partner || partner.status === "deleted") throw partnerErrors.partnerNotFound();
    if (await repo.findLiveBetween(trx, tenant.companyId, partner.id)) throw partnerErrors.exists();
    const now = deps.clock.nowIso();
    const inserted: PartnershipsTable = {
      id: newId(),
      requester_company_id: tenant.companyId,
      partner_company_id: partner.id,
      pair_key: repo.pairKey(tenant.companyId, partner.id),
      scopes: JSON.stringify(scopes),
      status: "pending",
      requested_by: by,
      decided_by: null,
      created_at: now,
      updated_at: now,
    };
    await repo.insertPartnership(trx, inserted);
    await recordCompanyChange(
      trx,
      deps.clock,
      who,
      {
        companyId: tenant.companyId,
        action: "partnership.requested",
        target: { type: "partnership", id: inserted.id },
      },
      { partnerCompanyId: partner.id, scopes },
    );
    return inserted;
  }).catch((error: unknown) => {
    // A concurrent request for the same pair won the unique index.
    throw isUniqueViolation(error) ? partnerErrors.exists() : error;
  });
  await forgetPartners(deps, row);
  return viewOf(deps, tenant.companyId, row);
}

/**
 * Accept or reject: only the company that received the request decides. The requester
 * trying to is a 403 (it can see the partnership, it just may not decide it); a decision
 * on a partnership that is no longer pending is a 409, and so is accepting the request of
 * a company deleted in the meantime (its request went with it).
 */
export async function decidePartnership(
  deps: PartnersDeps,
  tenant: TenantAccess,
  by: ActingUser,
  id: string,
  decision: "active" | "rejected",
  who: AuditActor,
): Promise<Partnership> {
  const sides = await sidesOf(deps, tenant.companyId, id);
  if (sides.partner_company_id !== tenant.companyId) throw partnerErrors.requesterCannotDecide();
  const decided = await inLockedTransaction(deps.database.db, async (trx) => {
    const requester = await lockBothSides(deps, trx, tenant, who, sides.requester_company_id);
    const row = await lockedPartnership(trx, tenant.companyId, id);
    if (row.status !== "pending") throw partnerErrors.notPending();
    if (decision === "active" && (!requester || requester.status === "deleted")) throw partnerErrors.notPending();
    const now = deps.clock.nowIso();
    const changed = await repo.changeStatus(trx, tenant.companyId, id, { from: ["pending"], to: decision, by, now });
    if (!changed) throw partnerErrors.notPending();
    const action = decision === "active" ? "partnership.accepted" : "partnership.rejected";
    await recordCompanyChange(
      trx,
      deps.clock,
      who,
      { companyId: tenant.companyId, action, target: { type: "partnership", id } },
      { requesterCompanyId: row.requester_company_id },
    );
    return { ...row, status: decision, decided_by: by, updated_at: now };
  });
  await forgetPartners(deps, decided);
  return viewOf(deps, tenant.companyId, decided);
}

/**
 * Either side ends a partnership, pending (a withdrawn or declined request) or active.
 * Revoked and rejected are terminal; `before` is the status the revocation ended, read
 * from the locked row.
 */
export async function revokePartnership(
  deps: PartnersDeps,
  tenant: TenantAccess,
  by: ActingUser,
  id: string,
  who: AuditActor,
): Promise<void> {
  if (!isUuid(id)) throw partnerErrors.notFound();
  const row = await inLockedTransaction(deps.database.db, async (trx) => {
    await companies.lockForChange(deps, trx, tenant, who, "partners:manage");
    const locked = await lockedPartnership(trx, tenant.companyId, id);
    if (locked.status !== "pending" && locked.status !== "active") throw partnerErrors.ended();
    const changed = await repo.changeStatus(trx, tenant.companyId, id, {
      from: [locked.status],
      to: "revoked",
      by,
      now: deps.clock.nowIso(),
    });
    if (!changed) throw partnerErrors.ended();
    await recordCompanyChange(
      trx,
      deps.clock,
      who,
      { companyId: tenant.companyId, action: "partnership.revoked", target: { type: "partnership", id } },
      { before: locked.status },
    );
    return locked;
  });
  await forgetPartners(deps, row);
}

export async function listPartnerships(
  deps: PartnersDeps,
  tenant: TenantAccess,
  query: PageQuery,
): Promise<Page<Partnership>> {
  const page = pageRequest(query, isUuid);
  const rows = await repo.pageOfPartnerships(deps.database.db, tenant.companyId, page);
  const view = await toPartnerships(deps, tenant.companyId, rows);
  return toPage(rows, page, (row) => row.id, view);
}

function activePartnersOf(deps: PartnersDeps, companyId: string): Promise<ActivePartner[]> {
  return activePartnersCache(deps.cache).getOrLoad(companyId, PARTNERS_TTL_S, async () => {
    const rows = await repo.activePartnerships(deps.database.db, companyId);
    return rows.map((row) => ({ companyId: otherSide(row, companyId), scopes: parseJson<Permission[]>(row.scopes) }));
  });
}

/**
 * What a user who is not a member of `companyId` may do there through partnerships: for
 * each active partnership of the company whose other side is an active company the user
 * belongs to, the partnership's scopes that the user's role there also holds (a viewer of
 * the partner never gets more than a viewer could). A partnership is mutual: its scopes
 * apply to both sides' members. Never a role, so never membership rights.
 */
export async function partnerPermissions(deps: PartnersDeps, companyId: string, userId: string): Promise<TenantLookup> {
  const partners = await activePartnersOf(deps, companyId);
  const permissions = new Set<Permission>();
  for (const partner of partners) {
    if ((await companies.statusOf(deps, partner.companyId)) !== "active") continue;
    const role = await companies.roleOf(deps, partner.companyId, userId);
    if (role === null) continue;
    const allowed = permissionsOf(role);
    for (const scope of partner.scopes) if (allowed.has(scope)) permissions.add(scope);
  }
  if (permissions.size === 0) return NOT_FOUND;
  return { kind: "granted", access: { companyId, via: "partnership", permissions } };
}
