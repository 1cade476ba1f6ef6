import type { AccessResolvers, Actor, TenantLookup } from "../platform/access/actor.ts";
import { permissionsOf } from "../platform/access/permissions.ts";
import { type ApiKeysDeps, authenticateApiKey } from "./api-keys/index.ts";
import { auditActorOf, recordAuditEvent } from "./audit/index.ts";
import * as companies from "./companies/index.ts";
import { keyPermissions } from "./creator-rights.ts";
import { authenticateAccessToken, hasConfirmedFactor, type IdentityDeps } from "./identity/index.ts";

export interface AccessResolverDeps {
  readonly identity: IdentityDeps;
  readonly companies: companies.CompaniesDeps;
  readonly apiKeys: ApiKeysDeps;
  /** A non-member's access through the company's active partnerships (partners module). */
  readonly partnerPermissions: (companyId: string, userId: string) => Promise<TenantLookup>;
}

const NOT_FOUND: TenantLookup = { kind: "not_found" };

/**
 * How the access layer (src/platform/access) learns who a caller is and what they may do
 * in a company, composed from the modules' public service functions: identity knows
 * users and sessions, companies knows memberships and statuses, api-keys knows keys,
 * partners knows partnerships.
 */
export function accessResolvers(deps: AccessResolverDeps): AccessResolvers {
  return {
    authenticateAccessToken: (token) => authenticateAccessToken(deps.identity, token),
    authenticateApiKey: (key) => authenticateApiKey(deps.apiKeys, key),
    hasSecondFactor: (userId) => hasConfirmedFactor(deps.identity, userId),
    recordDenial: async (request, denial) => {
      const db = deps.companies.database.db;
      const actor = request.actor;
      // A refused caller from another company (a partner's member) is recorded without the
      // IP address and User-Agent: they are that person's data, not this company's to see.
      const outsider =
        actor?.kind === "user" &&
        (await companies.roleOf(deps.companies, denial.companyId, actor.userId).catch(() => null)) === null;
      const event = {
        ...auditActorOf(request),
        ...(outsider ? { ip: null, userAgent: null } : {}),
        action: denial.reason === "permission" ? "access.denied" : "access.company_suspended",
        companyId: denial.companyId,
        targetType: "route",
        targetId: `${request.method} ${request.routeOptions.url}`,
        metadata: { permission: denial.permission },
      };
      // A refusal changes nothing, so a failure to record it must not turn a 403 into a 500.
      await recordAuditEvent(db, deps.companies.clock, event).catch((error: unknown) => {
        request.log.error({ err: error }, "could not record an access denial in the audit trail");
      });
    },
    tenantAccess: async (actor: Actor, companyId: string): Promise<TenantLookup> => {
      const status = await companies.statusOf(deps.companies, companyId);
      if (status === null || status === "deleted") return NOT_FOUND;
      const lookup = await grantOf(deps, actor, companyId);
      if (lookup.kind === "granted" && status === "suspended") return { kind: "suspended" };
      return lookup;
    },
  };
}

async function grantOf(deps: AccessResolverDeps, actor: Actor, companyId: string): Promise<TenantLookup> {
  if (actor.kind === "api_key") {
    if (actor.companyId !== companyId) return NOT_FOUND;
    // Its scopes, within its creator's current rights here (creator-rights.ts).
    return { kind: "granted", access: { companyId, via: "api_key", permissions: await keyPermissions(deps, actor) } };
  }
  const role = await companies.roleOf(deps.companies, companyId, actor.userId);
  if (role !== null) {
    // Company policy: a member without a second factor sees nothing of the company.
    if (
      (await companies.mfaRequiredBy(deps.companies, companyId)) &&
      !(await hasConfirmedFactor(deps.identity, actor.userId))
    ) {
      return { kind: "mfa_enrollment_required" };
    }
    return { kind: "granted", access: { companyId, via: "membership", role, permissions: permissionsOf(role) } };
  }
  return deps.partnerPermissions(companyId, actor.userId);
}
