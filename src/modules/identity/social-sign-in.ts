import type { Executor } from "../../platform/db/transaction.ts";
import { recordAuditEvent } from "../audit/index.ts";
import { identityErrors } from "./errors.ts";
import { countPasskeys } from "./passkeys/repository.ts";
import { createFederatedAccount } from "./registration.ts";
import * as repo from "./repository.ts";
import { normalizeEmail } from "./secrets.ts";
import {
  type IdentityDeps,
  type PublicUser,
  type RequestContext,
  securityEvent,
  type TokenPair,
  toPublicUser,
  userEvent,
} from "./service.ts";
import { startSession } from "./sessions.ts";
import { assertSignInWithoutSso } from "./sso-policy.ts";
import type { UsersTable } from "./tables.ts";

// What social sign-in (the social module) needs of identity: the accounts it may sign in or
// create, the SSO-required policy asked before an account is created, and a session that
// says it came through a federated provider.

/** The account of `email`, whatever its state (deleted ones included), or undefined. */
export async function findAccountByEmail(
  deps: Pick<IdentityDeps, "database">,
  email: string,
): Promise<Pick<UsersTable, "id" | "status"> | undefined> {
  const user = await repo.findUserByEmail(deps.database.db, normalizeEmail(email));
  return user ? { id: user.id, status: user.status } : undefined;
}

export async function findAccountById(
  deps: Pick<IdentityDeps, "database">,
  userId: string,
): Promise<UsersTable | undefined> {
  return repo.findUserById(deps.database.db, userId);
}

/** The account's own ways in besides linked providers: a password, passkeys. */
export async function accountSignInMethods(
  executor: Executor,
  userId: string,
): Promise<{ readonly password: boolean; readonly passkeys: boolean }> {
  const user = await repo.findUserById(executor, userId);
  return { password: user?.password_hash != null, passkeys: (await countPasskeys(executor, userId)) > 0 };
}

/** No account: an id no account has, valid for uuid columns (PostgreSQL refuses ""). */
const NO_ACCOUNT = "00000000-0000-0000-0000-000000000000";

/**
 * Refuses (403 auth.sso_required) an address whose verified domain's company requires SSO,
 * before a social sign-up creates its account (`id` undefined when there is none); a linked
 * account's session is refused by startSession's own check of the same policy.
 */
export async function assertSocialSignUpAllowed(
  deps: IdentityDeps,
  account: { readonly id: string | undefined; readonly email: string },
  ctx: RequestContext,
): Promise<void> {
  const email = normalizeEmail(account.email);
  if (account.id !== undefined) return assertSignInWithoutSso(deps, { id: account.id, email }, ctx);
  const companySlug = await deps.ssoPolicy?.({ id: NO_ACCOUNT, email });
  if (companySlug === undefined) return;
  securityEvent(deps, "auth.sso_required", ctx, { via: "social" });
  await recordAuditEvent(
    deps.database.db,
    deps.clock,
    userEvent("auth.login_failed", ctx, null, undefined, { reason: "sso_required", via: "social" }),
  );
  throw identityErrors.ssoRequired(companySlug);
}

/**
 * Inside the caller's transaction: a new passwordless account for an address the provider
 * said is verified (the caller checked that, and that no account has the address). It signs
 * in through its link, or sets a password through a password reset.
 */
export async function createSocialAccount(
  deps: IdentityDeps,
  trx: Executor,
  identity: { readonly email: string; readonly name?: string | undefined; readonly provider: string },
  ctx: RequestContext,
): Promise<UsersTable> {
  return createFederatedAccount(deps, trx, identity, ctx, { via: "social", provider: identity.provider });
}

/**
 * A session started through a social provider: `amr` ["fed", provider] (RFC 8176 "fed":
 * federated). startSession refuses suspended and deleted accounts, and addresses whose
 * company requires SSO.
 */
export async function startSocialSession(
  deps: IdentityDeps,
  user: UsersTable,
  ctx: RequestContext,
  provider: string,
): Promise<TokenPair & { user: PublicUser }> {
  const pair = await startSession(deps, user, ctx, async () => true, undefined, ["fed", provider]);
  return { ...pair, user: toPublicUser(user) };
}
