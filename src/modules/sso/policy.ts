import type { TenantAccess } from "../../platform/access/actor.ts";
import { inLockedTransaction } from "../../platform/db/locked-transaction.ts";
import { type AuditActor, recordCompanyChange } from "../audit/index.ts";
import { findCompanyById, lockForChange } from "../companies/index.ts";
import type { SsoSignInPolicy } from "../identity/index.ts";
import { normalizeDomain } from "./domains.ts";
import { ssoErrors } from "./errors.ts";
import * as repo from "./repository.ts";
import type { SsoDeps } from "./service.ts";

// "SSO required": the policy identity asks before any non-SSO sign-in (wired in app.ts), and
// the break-glass members a company exempts from it (owners decide: company:security).

export function domainOf(email: string): string {
  return normalizeDomain(email.slice(email.lastIndexOf("@") + 1));
}

/** Identity's SsoSignInPolicy: the requiring company's slug, or undefined when the account may sign in. */
export function ssoSignInPolicy(deps: SsoDeps): SsoSignInPolicy {
  return async (user) => {
    const domain = await repo.verifiedDomain(deps.database.db, domainOf(user.email));
    if (!domain || domain.sso_required_at === null) return undefined;
    if (await repo.isBreakGlass(deps.database.db, domain.company_id, user.id)) return undefined;
    const company = await findCompanyById(deps.companies, domain.company_id);
    return company?.status === "active" ? company.slug : undefined;
  };
}

export async function listBreakGlass(deps: SsoDeps, tenant: TenantAccess) {
  return { userIds: (await repo.breakGlassUsers(deps.database.db, tenant.companyId)).map((row) => row.user_id) };
}

/** Replaces the list; every user named must be a member of the company. */
export async function setBreakGlass(deps: SsoDeps, tenant: TenantAccess, userIds: readonly string[], who: AuditActor) {
  const ids = [...new Set(userIds)].sort();
  await inLockedTransaction(deps.database.db, async (trx) => {
    const locked = await lockForChange(deps, trx, tenant, who, "company:security", ids);
    ids.forEach((id, index) => {
      if (!locked.members.has(id)) throw ssoErrors.invalid(`/body/userIds/${index}`, "is not a member of this company");
    });
    await repo.replaceBreakGlass(trx, tenant.companyId, ids, deps.clock.nowIso());
    await recordCompanyChange(
      trx,
      deps.clock,
      who,
      {
        companyId: tenant.companyId,
        action: "sso_break_glass.changed",
        target: { type: "company", id: tenant.companyId },
      },
      { userIds: ids },
    );
  });
  return { userIds: ids };
}
