import { randomBytes } from "node:crypto";
import type { TenantAccess } from "../../platform/access/actor.ts";
import { isUniqueViolation } from "../../platform/db/errors.ts";
import { isUuid, newId } from "../../platform/db/ids.ts";
import { inLockedTransaction } from "../../platform/db/locked-transaction.ts";
import { type AuditActor, recordCompanyChange, systemActor } from "../audit/index.ts";
import { lockForChange } from "../companies/index.ts";
import { lookupVerificationRecord } from "./dns.ts";
import { ssoErrors } from "./errors.ts";
import * as repo from "./repository.ts";
import type { SsoDeps } from "./service.ts";
import type { SsoDomainsTable } from "./tables.ts";
import { toDomain } from "./view.ts";

// Domains a company claims and proves by DNS. A verified domain belongs to one company (a
// unique index on verified domains decides races); its addresses are then trusted from the
// company's identity provider, routed to it by home-realm discovery, and may require SSO.

export function normalizeDomain(raw: string): string {
  return raw.trim().toLowerCase().replace(/\.$/, "");
}

const event = (companyId: string, action: string, id: string) => ({
  companyId,
  action,
  target: { type: "sso_domain", id },
});

export async function claimDomain(deps: SsoDeps, tenant: TenantAccess, raw: string, who: AuditActor) {
  const domain = normalizeDomain(raw);
  const row: SsoDomainsTable = {
    id: newId(),
    company_id: tenant.companyId,
    domain,
    status: "pending",
    verification_token: `rampart-verify=${randomBytes(24).toString("base64url")}`,
    sso_required_at: null,
    created_at: deps.clock.nowIso(),
    verified_at: null,
    last_checked_at: null,
  };
  try {
    await inLockedTransaction(deps.database.db, async (trx) => {
      await lockForChange(deps, trx, tenant, who, "sso:manage");
      const owner = await repo.verifiedDomain(trx, domain);
      if (owner && owner.company_id !== tenant.companyId) throw ssoErrors.domainTaken();
      await repo.insertDomain(trx, row);
      await recordCompanyChange(trx, deps.clock, who, event(tenant.companyId, "sso_domain.claimed", row.id), {
        domain,
      });
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw ssoErrors.domainAlreadyClaimed();
    throw error;
  }
  return toDomain(row);
}

export async function listDomains(deps: SsoDeps, tenant: TenantAccess) {
  return { items: (await repo.domainsOf(deps.database.db, tenant.companyId)).map(toDomain) };
}

export async function getDomain(deps: SsoDeps, tenant: TenantAccess, id: string) {
  const row = isUuid(id) ? await repo.findDomain(deps.database.db, tenant.companyId, id) : undefined;
  if (!row) throw ssoErrors.domainNotFound();
  return toDomain(row);
}

/** Looks the TXT record up now; found: the domain is the company's (unless another verified it first). */
export async function verifyDomain(deps: SsoDeps, tenant: TenantAccess, id: string, who: AuditActor) {
  const found = await repo.findDomain(deps.database.db, tenant.companyId, id);
  if (!found) throw ssoErrors.domainNotFound();
  if (found.status === "verified") return toDomain(found);
  const owner = await repo.verifiedDomain(deps.database.db, found.domain);
  if (owner && owner.company_id !== tenant.companyId) throw ssoErrors.domainTaken();
  const lookup = await lookupVerificationRecord(deps.settings, found.domain, found.verification_token);
  const now = deps.clock.nowIso();
  if (lookup !== "found") {
    await repo.updateDomain(deps.database.db, id, { last_checked_at: now });
    throw ssoErrors.verificationFailed(
      lookup === "absent"
        ? `No TXT record at _rampart-verify.${found.domain} holds this domain's token yet (DNS changes can take a while).`
        : `The DNS lookup of _rampart-verify.${found.domain} failed; try again later.`,
    );
  }
  try {
    const row = await inLockedTransaction(deps.database.db, async (trx) => {
      await lockForChange(deps, trx, tenant, who, "sso:manage");
      const current = await repo.lockDomain(trx, tenant.companyId, id);
      if (!current) throw ssoErrors.domainNotFound();
      const updated = await repo.updateDomain(trx, id, { status: "verified", verified_at: now, last_checked_at: now });
      await recordCompanyChange(trx, deps.clock, who, event(tenant.companyId, "sso_domain.verified", id), {
        domain: current.domain,
      });
      return updated as SsoDomainsTable;
    });
    return toDomain(row);
  } catch (error) {
    // Another company's verification of the same domain committed first.
    if (isUniqueViolation(error)) throw ssoErrors.domainTaken();
    throw error;
  }
}

export async function removeDomain(deps: SsoDeps, tenant: TenantAccess, id: string, who: AuditActor) {
  await inLockedTransaction(deps.database.db, async (trx) => {
    await lockForChange(deps, trx, tenant, who, "sso:manage");
    const current = await repo.lockDomain(trx, tenant.companyId, id);
    if (!current || !(await repo.deleteDomain(trx, tenant.companyId, id))) throw ssoErrors.domainNotFound();
    await recordCompanyChange(trx, deps.clock, who, event(tenant.companyId, "sso_domain.removed", id), {
      domain: current.domain,
    });
  });
}

/** Owners only (company:security): require SSO for a verified domain's addresses, or stop. */
export async function setSsoRequired(
  deps: SsoDeps,
  tenant: TenantAccess,
  id: string,
  required: boolean,
  who: AuditActor,
) {
  const row = await inLockedTransaction(deps.database.db, async (trx) => {
    await lockForChange(deps, trx, tenant, who, "company:security");
    const current = await repo.lockDomain(trx, tenant.companyId, id);
    if (!current) throw ssoErrors.domainNotFound();
    if (required && current.status !== "verified") throw ssoErrors.domainNotVerified();
    const since = required ? (current.sso_required_at ?? deps.clock.nowIso()) : null;
    const updated = await repo.updateDomain(trx, id, { sso_required_at: since });
    await recordCompanyChange(trx, deps.clock, who, event(tenant.companyId, "sso_domain.policy_changed", id), {
      domain: current.domain,
      ssoRequired: required,
    });
    return updated as SsoDomainsTable;
  });
  return toDomain(row);
}

/**
 * The periodic recheck (worker.ts): every verified domain's record is looked up again; one
 * whose record is definitely gone loses its verification (and with it SSO routing, trust in
 * its addresses and the SSO requirement). A resolver failure changes nothing.
 */
export async function recheckVerifiedDomains(
  deps: Pick<SsoDeps, "database" | "clock" | "logger"> & {
    readonly settings: Pick<SsoDeps["settings"], "dnsServers" | "dnsTimeoutMs">;
  },
): Promise<{ checked: number; lost: string[] }> {
  const lost: string[] = [];
  let checked = 0;
  let after: string | undefined;
  for (;;) {
    const batch = await repo.verifiedDomainsPage(deps.database.db, after, 100);
    if (batch.length === 0) break;
    after = batch.at(-1)?.id;
    for (const domain of batch) {
      checked++;
      const lookup = await lookupVerificationRecord(deps.settings, domain.domain, domain.verification_token);
      const now = deps.clock.nowIso();
      if (lookup === "found" || lookup === "unavailable") {
        if (lookup === "found") await repo.updateDomain(deps.database.db, domain.id, { last_checked_at: now });
        continue;
      }
      await inLockedTransaction(deps.database.db, async (trx) => {
        const updated = await repo.updateDomain(trx, domain.id, {
          status: "pending",
          verified_at: null,
          sso_required_at: null,
          last_checked_at: now,
        });
        if (!updated) return;
        await recordCompanyChange(
          trx,
          deps.clock,
          systemActor("sso-domain-recheck"),
          event(domain.company_id, "sso_domain.verification_lost", domain.id),
          { domain: domain.domain },
        );
      });
      lost.push(domain.domain);
      deps.logger.warn({ domain: domain.domain, companyId: domain.company_id }, "sso: a domain lost its verification");
    }
  }
  return { checked, lost };
}
