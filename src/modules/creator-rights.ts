import type { Permission, Role } from "../platform/access/permissions.ts";
import { permissionsOf } from "../platform/access/permissions.ts";
import { type ApiKeysDeps, liveApiKey } from "./api-keys/index.ts";
import * as companies from "./companies/index.ts";
import { type IdentityDeps, isActiveAccount } from "./identity/index.ts";
import type { GrantorRights } from "./invitations/index.ts";

/*
 * Issue #20, finding 2: a right never outlives the rights of the person who granted it.
 * Rampart checks at use, not at transition: an API key acts with its scopes intersected
 * with its creator's CURRENT permissions in the company, and a pending invitation is
 * accepted only while its sender (or the key that sent it) could still send it. Removal,
 * leaving, demotion, suspension and deletion of the creator therefore all narrow or stop
 * the key and the invitation on the very next request, with no list of transitions to
 * keep complete — and a creator who regains the role gets the key back as it was.
 */

export interface CreatorRightsDeps {
  readonly identity: Pick<IdentityDeps, "database" | "cache">;
  readonly companies: companies.CompaniesDeps;
  readonly apiKeys: Pick<ApiKeysDeps, "database" | "clock">;
}

/** What a user may do in a company on their own account right now: their role, or null. */
export async function currentRoleOf(deps: CreatorRightsDeps, companyId: string, userId: string): Promise<Role | null> {
  const role = await companies.roleOf(deps.companies, companyId, userId);
  if (role === null) return null;
  return (await isActiveAccount(deps.identity, userId)) ? role : null;
}

const NOTHING: ReadonlySet<Permission> = new Set();

/** A key's permissions: its scopes, within what its creator may do in the company now. */
export async function keyPermissions(
  deps: CreatorRightsDeps,
  key: { readonly companyId: string; readonly createdBy: string | null; readonly scopes: readonly Permission[] },
): Promise<ReadonlySet<Permission>> {
  // Every key is created by a signed-in user; one without a recorded creator has no grantor to act for.
  if (key.createdBy === null) return NOTHING;
  const role = await currentRoleOf(deps, key.companyId, key.createdBy);
  if (role === null) return NOTHING;
  const creator = permissionsOf(role);
  return new Set(key.scopes.filter((scope) => creator.has(scope)));
}

/** The invitations module's check, answered from the grantor's current role or key. */
export function grantorRights(deps: CreatorRightsDeps): GrantorRights {
  return async (companyId, grantor) => {
    if (grantor.apiKeyId !== null) {
      const key = await liveApiKey(deps.apiKeys, companyId, grantor.apiKeyId);
      if (!key) return null;
      return { permissions: await keyPermissions(deps, { companyId, ...key }) };
    }
    if (grantor.userId === null) return null;
    const role = await currentRoleOf(deps, companyId, grantor.userId);
    return role === null ? null : { role, permissions: permissionsOf(role) };
  };
}

/**
 * The webhooks module's check, by the same rule: an endpoint receives the company's events
 * only while its creator may still manage the company's webhooks (removed, demoted,
 * suspended or deleted → nothing is sent; restored → it receives again).
 */
export function webhookCreatorRights(deps: CreatorRightsDeps) {
  return async (companyId: string, createdBy: string | null): Promise<boolean> => {
    if (createdBy === null) return false;
    const role = await currentRoleOf(deps, companyId, createdBy);
    return role !== null && permissionsOf(role).has("webhooks:manage");
  };
}
