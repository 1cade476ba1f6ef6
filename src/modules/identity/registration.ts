import { isUniqueViolation } from "../../platform/db/errors.ts";
import { newId } from "../../platform/db/ids.ts";
import { withTransaction } from "../../platform/db/transaction.ts";
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
  const user: UsersTable = {
    id: newId(),
    email,
    email_verified_at: null,
    name: input.name.trim(),
    password_hash: passwordHash,
    platform_role: "user",
    status: "active",
    created_at: now,
    updated_at: now,
    deleted_at: null,
  };
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
