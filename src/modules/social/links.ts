import { isUniqueViolation } from "../../platform/db/errors.ts";
import { newId } from "../../platform/db/ids.ts";
import { inLockedTransaction } from "../../platform/db/locked-transaction.ts";
import { recordAuditEvent } from "../audit/index.ts";
import { accountSignInMethods, lockLiveAccount, normalizeEmail, type RequestContext } from "../identity/index.ts";
import { socialErrors } from "./errors.ts";
import type { SocialProvider } from "./providers.ts";
import * as repo from "./repository.ts";
import type { ProviderIdentity, SocialDeps } from "./service.ts";
import { identityEvent } from "./sign-in.ts";
import type { SocialIdentitiesTable } from "./tables.ts";

export function linkView(deps: SocialDeps, row: SocialIdentitiesTable) {
  return {
    id: row.id,
    provider: row.provider,
    providerName: deps.settings.providers.find((p) => p.key === row.provider)?.name ?? row.provider,
    email: row.email,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  };
}

export async function listLinks(deps: SocialDeps, userId: string) {
  return { identities: (await repo.identitiesOf(deps.database.db, userId)).map((row) => linkView(deps, row)) };
}

/**
 * The end of a link callback: the provider identity joins the account that started the flow
 * (authenticated, with a recent sign-in). Refused when that identity is another account's.
 * Linking the same identity to the same account again changes nothing.
 */
export async function completeLink(
  deps: SocialDeps,
  provider: SocialProvider,
  identity: ProviderIdentity,
  userId: string,
  ctx: RequestContext,
) {
  const email = identity.email ? normalizeEmail(identity.email) : null;
  try {
    return await inLockedTransaction(deps.database.db, async (trx) => {
      await lockLiveAccount(trx, userId).catch(() => {
        throw socialErrors.accountNotLive();
      });
      const existing = await repo.findIdentity(trx, provider.key, identity.subject);
      if (existing && existing.user_id !== userId) throw socialErrors.linkedElsewhere();
      if (existing) return linkView(deps, existing);
      const row: SocialIdentitiesTable = {
        id: newId(),
        user_id: userId,
        provider: provider.key,
        subject: identity.subject,
        email,
        created_at: deps.clock.nowIso(),
        last_used_at: null,
      };
      await repo.insertIdentity(trx, row);
      await recordAuditEvent(
        trx,
        deps.clock,
        identityEvent("social.identity_linked", ctx, userId, {
          provider: provider.key,
          identityId: row.id,
          via: "link",
        }),
      );
      return linkView(deps, row);
    });
  } catch (error) {
    // Another account linked it between our read and insert.
    if (isUniqueViolation(error)) throw socialErrors.linkedElsewhere();
    throw error;
  }
}

/**
 * Removes a link unless it is the account's last way in: no password, no passkey and no
 * other link. The account row is locked so two unlinks at once cannot each leave the other
 * as the last one and then both go.
 */
export async function unlink(deps: SocialDeps, userId: string, identityId: string, ctx: RequestContext) {
  await inLockedTransaction(deps.database.db, async (trx) => {
    await lockLiveAccount(trx, userId);
    const links = await repo.identitiesOf(trx, userId);
    const link = links.find((l) => l.id === identityId);
    if (!link) throw socialErrors.identityNotFound();
    if (links.length === 1) {
      const own = await accountSignInMethods(trx, userId);
      if (!own.password && !own.passkeys) throw socialErrors.lastSignInMethod();
    }
    await repo.deleteIdentity(trx, link.id);
    await recordAuditEvent(
      trx,
      deps.clock,
      identityEvent("social.identity_unlinked", ctx, userId, { provider: link.provider, identityId: link.id }),
    );
  });
}
