import { isUniqueViolation } from "../../platform/db/errors.ts";
import { newId } from "../../platform/db/ids.ts";
import { type Executor, withTransaction } from "../../platform/db/transaction.ts";
import { recordAuditEvent } from "../audit/index.ts";
import { sendIdentityMail, sendVerification } from "./mail.ts";
import * as repo from "./repository.ts";
import { normalizeEmail } from "./secrets.ts";
import { assertPassword, type IdentityDeps, type RequestContext, userEvent } from "./service.ts";
import type { UsersTable } from "./tables.ts";

/**
 * Enumeration-safe: an existing address gets the same answer (and the same hashing work),
 * and its owner gets a notice instead of a verification link.
 */
export interface RegisterInput {
  email: string;
  password: string;
  name: string;
}

export async function register(deps: IdentityDeps, input: RegisterInput, ctx: RequestContext) {
  const email = normalizeEmail(input.email);
  assertPassword(input.password, email, "/body/password");
  const passwordHash = await deps.passwords.hash(input.password);
  const existing = await repo.findUserByEmail(deps.database.db, email);
  if (existing) {
    // The existing account's name, never the one typed into the form (see mail-templates.ts).
    await sendIdentityMail(deps, "existing-account", existing, { path: "/forgot-password" });
    return { email };
  }
  const now = deps.clock.nowIso();
  const user = newAccountRow(
    { email, name: input.name.trim(), email_verified_at: null, password_hash: passwordHash },
    now,
  );
  try {
    await withTransaction(deps.database.db, async (trx) => {
      await repo.insertUser(trx, user);
      await recordAuditEvent(trx, deps.clock, userEvent("user.registered", ctx, user.id, user.id));
    });
  } catch (error) {
    // A concurrent registration of the same address: answer exactly as for an existing one.
    if (isUniqueViolation(error)) return { email };
    throw error;
  }
  await sendVerification(deps, user);
  return { email };
}

/** A new active account's row, created `now`: what every way of creating an account shares. */
export function newAccountRow(
  fields: Pick<UsersTable, "email" | "name" | "email_verified_at" | "password_hash"> &
    Partial<Pick<UsersTable, "platform_role">>,
  now: string,
): UsersTable {
  return {
    id: newId(),
    platform_role: "user",
    ...fields,
    status: "active",
    created_at: now,
    updated_at: now,
    deleted_at: null,
  };
}

/**
 * Inside the caller's transaction: a new passwordless account for an address an identity
 * provider vouched for (SSO, social sign-in: the caller checked that the address is the
 * person's, and that no account has it), so verified at once. It signs in through the
 * provider, or sets a password through a password reset. `via` goes into user.registered.
 */
export async function createFederatedAccount(
  deps: IdentityDeps,
  trx: Executor,
  identity: { readonly email: string; readonly name?: string | undefined },
  ctx: RequestContext,
  via: Readonly<Record<string, string>>,
): Promise<UsersTable> {
  const email = normalizeEmail(identity.email);
  const now = deps.clock.nowIso();
  const name = identity.name?.trim().slice(0, 200);
  const user = newAccountRow(
    { email, name: name || (email.split("@")[0] as string), email_verified_at: now, password_hash: null },
    now,
  );
  await repo.insertUser(trx, user);
  await recordAuditEvent(trx, deps.clock, userEvent("user.registered", ctx, user.id, user.id, via));
  return user;
}
