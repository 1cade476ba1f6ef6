import { isUniqueViolation } from "../../platform/db/errors.ts";
import { newId } from "../../platform/db/ids.ts";
import { inLockedTransaction } from "../../platform/db/locked-transaction.ts";
import { switchErrors } from "../../platform/switches/errors.ts";
import { recordAuditEvent } from "../audit/index.ts";
import {
  assertSocialSignUpAllowed,
  createSocialAccount,
  findAccountByEmail,
  findAccountById,
  hasConfirmedFactor,
  normalizeEmail,
  type PublicUser,
  type RequestContext,
  startSocialSession,
  type TokenPair,
} from "../identity/index.ts";
import { socialErrors } from "./errors.ts";
import type { SocialProvider } from "./providers.ts";
import * as repo from "./repository.ts";
import type { ProviderIdentity, SocialDeps } from "./service.ts";

export interface SocialSignInResult extends TokenPair {
  readonly user: PublicUser;
  /** True when this sign-in created the account. */
  readonly created: boolean;
}

export function identityEvent(action: string, ctx: RequestContext, userId: string, metadata: Record<string, unknown>) {
  return {
    action,
    actorType: "user" as const,
    actorId: userId,
    targetType: "user",
    targetId: userId,
    metadata,
    ip: ctx.ip,
    userAgent: ctx.userAgent,
    requestId: ctx.requestId,
  };
}

/**
 * The end of a sign-in callback. A linked provider identity signs its account in. With no
 * link, an account is created only when: the provider says the address is verified, no
 * account has that address (it is never linked by matching the address: its owner links from
 * their profile), no company requires SSO for it, and the `signup` flag is on.
 */
export async function completeSocialSignIn(
  deps: SocialDeps,
  provider: SocialProvider,
  identity: ProviderIdentity,
  ctx: RequestContext,
): Promise<SocialSignInResult> {
  const linked = await repo.findIdentity(deps.database.db, provider.key, identity.subject);
  if (linked) {
    const user = await findAccountById(deps.identity, linked.user_id);
    if (!user) throw socialErrors.invalidState();
    // Never a session that skips the account's own second factor (errors.ts).
    if (await hasConfirmedFactor(deps.identity, user.id)) throw socialErrors.secondFactorRequired();
    // startSession refuses suspended and deleted accounts and SSO-required addresses.
    const pair = await startSocialSession(deps.identity, user, ctx, provider.key);
    await repo.touchIdentity(deps.database.db, linked.id, deps.clock.nowIso(), identity.email ?? linked.email);
    return { ...pair, created: false };
  }
  if (!identity.email || !identity.email.includes("@") || !identity.emailVerified)
    throw socialErrors.emailNotVerified();
  const email = normalizeEmail(identity.email);
  const existing = await findAccountByEmail(deps.identity, email);
  // SSO first: a company's requirement is the answer that helps its members, not "link it".
  await assertSocialSignUpAllowed(deps.identity, { id: existing?.id, email }, ctx);
  if (existing) throw socialErrors.accountExists(provider.key);
  if (!deps.signupOpen()) throw switchErrors.featureDisabled("signup");
  let user: Awaited<ReturnType<typeof createSocialAccount>>;
  try {
    user = await inLockedTransaction(deps.database.db, async (trx) => {
      const created = await createSocialAccount(
        deps.identity,
        trx,
        { email, name: identity.name, provider: provider.key },
        ctx,
      );
      const linkId = newId();
      await repo.insertIdentity(trx, {
        id: linkId,
        user_id: created.id,
        provider: provider.key,
        subject: identity.subject,
        email,
        created_at: deps.clock.nowIso(),
        last_used_at: deps.clock.nowIso(),
      });
      await recordAuditEvent(
        trx,
        deps.clock,
        identityEvent("social.identity_linked", ctx, created.id, {
          provider: provider.key,
          identityId: linkId,
          via: "sign_up",
        }),
      );
      return created;
    });
  } catch (error) {
    // The same address registered (or the same person signed up) a moment ago: not silently merged.
    if (isUniqueViolation(error)) throw socialErrors.accountExists(provider.key);
    throw error;
  }
  const pair = await startSocialSession(deps.identity, user, ctx, provider.key);
  return { ...pair, created: true };
}
