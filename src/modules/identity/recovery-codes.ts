import { randomBytes } from "node:crypto";
import { newId } from "../../platform/db/ids.ts";
import { inLockedTransaction } from "../../platform/db/locked-transaction.ts";
import { recordAuditEvent } from "../audit/index.ts";
import { identityErrors } from "./errors.ts";
import * as factorRepo from "./factor-repository.ts";
import { sendIdentityMail } from "./mail.ts";
import * as repo from "./repository.ts";
import { hashToken } from "./secrets.ts";
import { type IdentityDeps, type RequestContext, securityEvent, type UserActor, userEvent } from "./service.ts";
import type { UsersTable } from "./tables.ts";

// Recovery codes: the way in when the authenticator is lost. Ten per account, single use.

const RECOVERY_CODE_COUNT = 10;

/** Recovery codes: 80 bits each, shown once as xxxx-xxxx-xxxx-xxxx, stored as a per-user SHA-256. */
function newRecoveryCode(): string {
  const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"; // no 0/o, 1/l/i
  const bytes = randomBytes(16);
  const chars = [...bytes].map((b) => alphabet[b % alphabet.length]).join("");
  return chars.match(/.{4}/g)?.join("-") ?? chars;
}

function recoveryCodeHash(userId: string, code: string): string {
  return hashToken(`recovery:${userId}:${code.toLowerCase().replace(/[^a-z0-9]/g, "")}`);
}

/** A new set of ten codes; the old set stops working in the same transaction. */
export async function regenerateRecoveryCodes(
  deps: IdentityDeps,
  actor: UserActor,
  ctx: RequestContext,
  audited = true,
): Promise<string[]> {
  if ((await factorRepo.confirmedFactors(deps.database.db, actor.userId)).length === 0) throw identityErrors.noFactor();
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  const now = deps.clock.nowIso();
  await inLockedTransaction(deps.database.db, async (trx) => {
    await repo.lockUser(trx, actor.userId);
    await factorRepo.replaceRecoveryCodes(
      trx,
      actor.userId,
      codes.map((code) => ({
        id: newId(),
        user_id: actor.userId,
        code_hash: recoveryCodeHash(actor.userId, code),
        created_at: now,
        used_at: null,
      })),
    );
    if (audited)
      await recordAuditEvent(
        trx,
        deps.clock,
        userEvent("mfa.recovery_codes_regenerated", ctx, actor.userId, actor.userId),
      );
  });
  return codes;
}

export async function useRecoveryCode(deps: IdentityDeps, user: UsersTable, code: string, ctx: RequestContext) {
  if (
    !(await factorRepo.useRecoveryCode(deps.database.db, user.id, recoveryCodeHash(user.id, code), deps.clock.nowIso()))
  )
    return false;
  const remaining = await factorRepo.countUnusedRecoveryCodes(deps.database.db, user.id);
  await recordAuditEvent(
    deps.database.db,
    deps.clock,
    userEvent("mfa.recovery_code_used", ctx, user.id, user.id, { remaining }),
  );
  securityEvent(deps, "mfa.recovery_code_used", ctx, { userId: user.id, remaining });
  await sendIdentityMail(deps, "recovery-code-used", user, { path: "/forgot-password" });
  return true;
}
