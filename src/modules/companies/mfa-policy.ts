import type { TenantAccess } from "../../platform/access/actor.ts";
import { inLockedTransaction } from "../../platform/db/locked-transaction.ts";
import { type AuditActor, recordCompanyChange } from "../audit/index.ts";
import { lockForChange } from "./locks.ts";
import { LOOKUP_TTL_S, mfaPolicies } from "./lookups.ts";
import type { CompaniesDeps, UserProfiles } from "./service.ts";

/**
 * A company's second-factor policy: when on, a member whose account has no confirmed second
 * factor is refused on every company route (403 mfa.enrollment_required, naming the policy)
 * until they enrol one (access-resolvers.ts). Only owners switch it (company:security).
 */
export function mfaRequiredBy(deps: CompaniesDeps, companyId: string): Promise<boolean> {
  return mfaPolicies(deps.cache).getOrLoad(companyId, LOOKUP_TTL_S, async () => {
    const row = await deps.database.db
      .selectFrom("companies")
      .select("require_mfa_since")
      .where("id", "=", companyId)
      .executeTakeFirst();
    return (row?.require_mfa_since ?? null) !== null;
  });
}

/** The policy as it stands: whether every member needs a factor, and since when. */
export async function getMfaPolicy(
  deps: CompaniesDeps,
  tenant: TenantAccess,
): Promise<{ requireMfa: boolean; since: string | null }> {
  const row = await deps.database.db
    .selectFrom("companies")
    .select("require_mfa_since")
    .where("id", "=", tenant.companyId)
    .executeTakeFirst();
  const since = row?.require_mfa_since ?? null;
  return { requireMfa: since !== null, since };
}

export async function setMfaPolicy(
  deps: CompaniesDeps,
  profiles: UserProfiles,
  tenant: TenantAccess,
  requireMfa: boolean,
  who: AuditActor,
) {
  const now = deps.clock.nowIso();
  const { changed, since, memberIds } = await inLockedTransaction(deps.database.db, async (trx) => {
    const { company } = await lockForChange(deps, trx, tenant, who, "company:security");
    const before = (company.require_mfa_since ?? null) !== null;
    const since = requireMfa ? (company.require_mfa_since ?? now) : null;
    if (before === requireMfa) return { changed: false, since, memberIds: [] };
    await trx
      .updateTable("companies")
      .set({ require_mfa_since: since, updated_at: now })
      .where("id", "=", tenant.companyId)
      .execute();
    await recordCompanyChange(
      trx,
      deps.clock,
      who,
      {
        companyId: tenant.companyId,
        action: "company.mfa_policy_changed",
        target: { type: "company", id: tenant.companyId },
      },
      { before: { requireMfa: before }, after: { requireMfa } },
    );
    const members = await trx
      .selectFrom("memberships")
      .select("user_id")
      .where("company_id", "=", tenant.companyId)
      .execute();
    return { changed: true, since, memberIds: members.map((m) => m.user_id) };
  });
  await mfaPolicies(deps.cache).delete(tenant.companyId);
  if (changed) await mailMembers(deps, profiles, tenant.companyId, memberIds, requireMfa);
  return { requireMfa, since };
}

/** Every member hears of the change (after the commit): those without a factor must enrol. */
async function mailMembers(
  deps: CompaniesDeps,
  profiles: UserProfiles,
  companyId: string,
  memberIds: readonly string[],
  requireMfa: boolean,
) {
  const mailer = deps.mailer;
  if (!mailer) return;
  const company = await deps.database.db
    .selectFrom("companies")
    .select("name")
    .where("id", "=", companyId)
    .executeTakeFirst();
  const people = await profiles(memberIds);
  for (const person of people.values()) {
    await mailer.send({
      to: person.email,
      kind: "company-mfa-policy",
      subject: requireMfa
        ? `${company?.name ?? "Your company"} now requires a second factor`
        : `${company?.name ?? "Your company"} no longer requires a second factor`,
      text: requireMfa
        ? `Hello,\n\nAn owner of ${company?.name ?? "your company"} on Rampart now requires every member to sign in with a second factor (an authenticator app). If you have not set one up, you can still sign in, but the company's resources stay closed to you until you enrol one in your security settings.\n`
        : `Hello,\n\nAn owner of ${company?.name ?? "your company"} on Rampart no longer requires a second factor. Keeping yours is still the safer choice.\n`,
    });
  }
}
