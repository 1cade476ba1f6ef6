import { recordAuditEvent } from "../audit/index.ts";
import { assertCurrentPassword, requireUser } from "./account.ts";
import { identityErrors } from "./errors.ts";
import { hasConfirmedFactor, proofPointer, proveSecondFactor, type SecondFactorProof } from "./factors.ts";
import type { AuthenticationBodyCredential } from "./passkeys/credential-json.ts";
import { type IdentityDeps, type RequestContext, type UserActor, userEvent } from "./service.ts";
import { accessTokenFor } from "./session-tokens.ts";

/** What `POST /auth/reauthenticate` takes: the password, a factor, or both (factor-schemas.ts). */
export type ReauthenticateInput =
  | { readonly password: string }
  | { readonly code: string; readonly password?: string }
  | { readonly recoveryCode: string; readonly password?: string }
  | { readonly webauthn: AuthenticationBodyCredential; readonly password?: string };

function proofOf(input: ReauthenticateInput): SecondFactorProof | undefined {
  if ("code" in input) return { code: input.code };
  if ("recoveryCode" in input) return { recoveryCode: input.recoveryCode };
  if ("webauthn" in input) return { webauthn: input.webauthn };
  return undefined;
}

/**
 * Step-up (RFC 9470): proves the person is still at the keyboard and renews the session's
 * auth_time (and amr) without starting a new session. An account with a second factor must
 * use it (the password alone is not enough); one without must give the password. Returns a
 * new access token carrying the new auth_time; the session's next refreshes keep it.
 */
export async function reauthenticate(
  deps: IdentityDeps,
  actor: UserActor,
  input: ReauthenticateInput,
  ctx: RequestContext,
) {
  const user = await requireUser(deps, actor);
  const hasFactor = await hasConfirmedFactor(deps, user.id);
  const proof = proofOf(input);
  if (hasFactor && proof === undefined) throw identityErrors.factorRequired("/body/code");
  if (!hasFactor && input.password === undefined) throw identityErrors.wrongPassword("/body/password");
  if (input.password !== undefined) await assertCurrentPassword(deps, user, input.password, "/body/password");
  const amr: string[] = [];
  if (input.password !== undefined || (actor.amr ?? ["pwd"]).includes("pwd")) amr.push("pwd");
  if (proof !== undefined) {
    if (!hasFactor) throw identityErrors.wrongCode(proofPointer(proof));
    amr.push(await proveSecondFactor(deps, user, proof, ctx, "authenticated"), "mfa");
  }
  const now = deps.clock.now();
  const renewed = await deps.database.db
    .updateTable("sessions")
    .set({ amr: amr.join(","), auth_time: now.toISOString() })
    .where("id", "=", actor.sessionId)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  if (Number(renewed.numUpdatedRows) === 0) throw identityErrors.accountNotLive();
  await recordAuditEvent(
    deps.database.db,
    deps.clock,
    userEvent("auth.reauthenticated", ctx, user.id, user.id, { sessionId: actor.sessionId, amr }),
  );
  const authTime = Math.floor(now.getTime() / 1000);
  const token = await accessTokenFor(deps, user.id, actor.sessionId, { amr, authTime });
  return { ...token, amr, authTime };
}
