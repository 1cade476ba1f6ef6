import { inLockedTransaction } from "../../../platform/db/locked-transaction.ts";
import { withTransaction } from "../../../platform/db/transaction.ts";
import { recordAuditEvent } from "../../audit/index.ts";
import * as factorRepo from "../factor-repository.ts";
import * as identityRepo from "../repository.ts";
import { type IdentityDeps, type RequestContext, type UserActor, userEvent } from "../service.ts";
import { passkeyErrors } from "./errors.ts";
import * as repo from "./repository.ts";
import { type PasskeyView, toPasskeyView } from "./view.ts";

// The signed-in user's passkeys: list, rename, remove. Another user's passkey answers
// exactly like a missing one (404), and every change is in the user's audit trail.

export async function listOwnPasskeys(deps: IdentityDeps, actor: UserActor): Promise<PasskeyView[]> {
  return (await repo.listPasskeys(deps.database.db, actor.userId)).map(toPasskeyView);
}

export async function renameOwnPasskey(
  deps: IdentityDeps,
  actor: UserActor,
  id: string,
  name: string,
  ctx: RequestContext,
): Promise<PasskeyView> {
  return withTransaction(deps.database.db, async (trx) => {
    const row = await repo.renamePasskey(trx, actor.userId, id, name.trim());
    if (!row) throw passkeyErrors.notFound();
    await recordAuditEvent(
      trx,
      deps.clock,
      userEvent("passkey.renamed", ctx, actor.userId, actor.userId, { factorId: id, name: row.name }),
    );
    return toPasskeyView(row);
  });
}

export async function removeOwnPasskey(
  deps: IdentityDeps,
  actor: UserActor,
  id: string,
  ctx: RequestContext,
): Promise<void> {
  // The route requires step-up (a passkey is a second factor, removed like a TOTP factor is),
  // and as there, the last factor takes the recovery codes with it. A company policy is not
  // checked here: it refuses the member afterwards, until they enrol again (factors.ts alike).
  await inLockedTransaction(deps.database.db, async (trx) => {
    await identityRepo.lockUser(trx, actor.userId);
    if (!(await repo.deletePasskey(trx, actor.userId, id))) throw passkeyErrors.notFound();
    if (!(await factorRepo.hasAnyFactor(trx, actor.userId)))
      await factorRepo.replaceRecoveryCodes(trx, actor.userId, []);
    await recordAuditEvent(
      trx,
      deps.clock,
      userEvent("passkey.removed", ctx, actor.userId, actor.userId, { factorId: id }),
    );
  });
}

/** Whether the account has a passkey (the MFA flow offers the factor only then). */
export async function userHasPasskeys(deps: Pick<IdentityDeps, "database">, userId: string): Promise<boolean> {
  return (await repo.countPasskeys(deps.database.db, userId)) > 0;
}
