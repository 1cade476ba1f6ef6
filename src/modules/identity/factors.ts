import { newId } from "../../platform/db/ids.ts";
import { inLockedTransaction } from "../../platform/db/locked-transaction.ts";
import { recordAuditEvent } from "../audit/index.ts";
import { assertCurrentPassword, requireUser } from "./account.ts";
import { identityErrors } from "./errors.ts";
import * as factorRepo from "./factor-repository.ts";
import { claimLoginAttempt } from "./login-throttle.ts";
import type { AuthenticationBodyCredential } from "./passkeys/credential-json.ts";
import { userHasPasskeys } from "./passkeys/management.ts";
import { verifyPasskeyAssertionForUser } from "./passkeys/sign-in.ts";
import { loginThrottleKey } from "./personal-data.ts";
import { regenerateRecoveryCodes, useRecoveryCode } from "./recovery-codes.ts";
import * as repo from "./repository.ts";
import { type IdentityDeps, type RequestContext, securityEvent, type UserActor, userEvent } from "./service.ts";
import { forgetSessions } from "./session-cache.ts";
import type { UserFactorsTable, UsersTable } from "./tables.ts";
import { matchingTotpStep, newTotpSecret, totpProvisioning } from "./totp.ts";

// Second factors: TOTP enrolment, confirmation and removal, recovery codes, and the one
// place that checks a second-factor proof (sign-in, reauthentication, removal alike).

/** How many factors an account may hold (enrolments included). */
const MAX_FACTORS = 5;

/**
 * A proof of a second factor, as every route takes it (the request body, one branch per kind:
 * factor-schemas.ts). Adding a kind (passkeys: `{ webauthn }`) means a branch here, one in
 * MfaVerifyBody/ReauthenticateBody/RemoveFactorBody, a verifier in FACTOR_VERIFIERS and its
 * case in `verify` below; the ticket, throttle, lockout and session code stay as they are.
 */
export type SecondFactorProof =
  | { readonly code: string }
  | { readonly recoveryCode: string }
  | { readonly webauthn: AuthenticationBodyCredential };

/** RFC 8176 method of a verified proof: TOTP and recovery codes are both one-time passwords. */
export type FactorMethod = "otp" | "hwk" | "swk";

/** Checks one kind of proof and uses it up; the method it proves, or undefined when wrong. */
type FactorVerifier<P> = (
  deps: IdentityDeps,
  user: UsersTable,
  proof: P,
  ctx: RequestContext,
) => Promise<FactorMethod | undefined>;

const FACTOR_VERIFIERS: {
  readonly code: FactorVerifier<string>;
  readonly recoveryCode: FactorVerifier<string>;
  readonly webauthn: FactorVerifier<AuthenticationBodyCredential>;
} = {
  code: async (deps, user, code) => ((await useTotpCode(deps, user.id, code)) ? "otp" : undefined),
  recoveryCode: async (deps, user, code, ctx) => ((await useRecoveryCode(deps, user, code, ctx)) ? "otp" : undefined),
  // A failed assertion (wrong key, bad signature, spent challenge, regressed counter) is a
  // wrong code to the caller: it counts toward the lockout and kills the ticket alike.
  webauthn: async (deps, user, assertion, ctx) => {
    const verdict = await verifyPasskeyAssertionForUser(deps, user.id, assertion, ctx);
    return verdict.passed ? verdict.amr : undefined;
  },
};

function verify(deps: IdentityDeps, user: UsersTable, proof: SecondFactorProof, ctx: RequestContext) {
  if ("code" in proof) return FACTOR_VERIFIERS.code(deps, user, proof.code, ctx);
  if ("webauthn" in proof) return FACTOR_VERIFIERS.webauthn(deps, user, proof.webauthn, ctx);
  return FACTOR_VERIFIERS.recoveryCode(deps, user, proof.recoveryCode, ctx);
}

/** The body field a wrong proof is reported at. */
export function proofPointer(proof: SecondFactorProof): string {
  if ("code" in proof) return "/body/code";
  if ("webauthn" in proof) return "/body/webauthn";
  return "/body/recoveryCode";
}

export interface FactorView {
  id: string;
  kind: "totp";
  name: string;
  confirmed: boolean;
  createdAt: string;
  lastUsedAt: string | null;
}

function toView(factor: UserFactorsTable): FactorView {
  return {
    id: factor.id,
    kind: factor.kind,
    name: factor.name,
    confirmed: factor.confirmed_at !== null,
    createdAt: factor.created_at,
    lastUsedAt: factor.last_used_at,
  };
}

/**
 * Whether the account has a confirmed second factor (sign-in then asks for it, step-up and
 * company policies too): a confirmed TOTP factor or a passkey.
 */
export async function hasConfirmedFactor(deps: Pick<IdentityDeps, "database">, userId: string): Promise<boolean> {
  if ((await factorRepo.confirmedFactors(deps.database.db, userId)).length > 0) return true;
  return userHasPasskeys(deps, userId);
}

/** The factor kinds a sign-in ticket offers. */
export async function availableFactors(deps: IdentityDeps, userId: string): Promise<string[]> {
  const kinds = new Set<string>((await factorRepo.confirmedFactors(deps.database.db, userId)).map((f) => f.kind));
  if (await userHasPasskeys(deps, userId)) kinds.add("webauthn");
  if ((await factorRepo.countUnusedRecoveryCodes(deps.database.db, userId)) > 0) kinds.add("recovery_code");
  return [...kinds];
}

export async function listFactors(deps: IdentityDeps, actor: UserActor) {
  const factors = await factorRepo.listFactors(deps.database.db, actor.userId);
  const recoveryCodesRemaining = await factorRepo.countUnusedRecoveryCodes(deps.database.db, actor.userId);
  return { items: factors.map(toView), recoveryCodesRemaining };
}

/**
 * Starts a TOTP enrolment: the seed is stored sealed and unconfirmed (it does not count
 * until a code proves the app has it). Earlier unconfirmed enrolments are dropped.
 */
export async function enrolTotp(deps: IdentityDeps, actor: UserActor, input: { name?: string }) {
  const user = await requireUser(deps, actor);
  const secret = newTotpSecret();
  const now = deps.clock.nowIso();
  const factor: UserFactorsTable = {
    id: newId(),
    user_id: user.id,
    kind: "totp",
    name: input.name?.trim() || "Authenticator app",
    secret_sealed: deps.totpSealer.seal(secret),
    last_used_step: null,
    confirmed_at: null,
    created_at: now,
    last_used_at: null,
  };
  await inLockedTransaction(deps.database.db, async (trx) => {
    await repo.lockUser(trx, user.id);
    const existing = await factorRepo.listFactors(trx, user.id);
    for (const stale of existing.filter((f) => f.confirmed_at === null)) {
      await factorRepo.deleteFactor(trx, user.id, stale.id);
    }
    if (existing.filter((f) => f.confirmed_at !== null).length >= MAX_FACTORS) throw identityErrors.tooManyFactors();
    await factorRepo.insertFactor(trx, factor);
  });
  const { uri, qrSvg } = await totpProvisioning(secret, user.email, deps.config.MFA_TOTP_ISSUER);
  return { id: factor.id, kind: "totp" as const, uri, qrSvg, secret };
}

/** Confirms an enrolment with a current code; the first factor also gets a set of recovery codes. */
export async function confirmTotp(
  deps: IdentityDeps,
  actor: UserActor,
  factorId: string,
  code: string,
  ctx: RequestContext,
) {
  const factor = await factorRepo.findFactor(deps.database.db, actor.userId, factorId);
  if (!factor) throw identityErrors.factorNotFound();
  if (factor.confirmed_at !== null) throw identityErrors.factorAlreadyConfirmed();
  const step = matchingTotpStep(deps.totpSealer.unseal(factor.secret_sealed), code, deps.clock.now().getTime());
  const now = deps.clock.nowIso();
  if (step === undefined || !(await factorRepo.claimTotpStep(deps.database.db, factor.id, step, now, true)))
    throw identityErrors.wrongCode("/body/code");
  // This session just proved the factor; every other session that never used one ends (a
  // session stolen before the enrolment must not outlive it).
  await factorRepo.upgradeSession(deps.database.db, actor.sessionId, now);
  const revoked = await factorRepo.revokeSessionsWithoutMfa(deps.database.db, actor.userId, actor.sessionId, now);
  await forgetSessions(deps, revoked);
  const first = (await factorRepo.confirmedFactors(deps.database.db, actor.userId)).length === 1;
  const recoveryCodes = first ? await regenerateRecoveryCodes(deps, actor, ctx, false) : undefined;
  await recordAuditEvent(
    deps.database.db,
    deps.clock,
    userEvent("mfa.factor_enrolled", ctx, actor.userId, actor.userId, { factorId, kind: factor.kind }),
  );
  const confirmed = await factorRepo.findFactor(deps.database.db, actor.userId, factorId);
  return { factor: toView(confirmed ?? factor), recoveryCodes };
}

/** Removes a factor: the password and a current second factor are required (docs/security.md). */
export async function removeFactor(
  deps: IdentityDeps,
  actor: UserActor,
  factorId: string,
  input: { password: string } & SecondFactorProof,
  ctx: RequestContext,
) {
  const user = await requireUser(deps, actor);
  await assertCurrentPassword(deps, user, input.password, "/body/password");
  const factor = await factorRepo.findFactor(deps.database.db, user.id, factorId);
  if (!factor) throw identityErrors.factorNotFound();
  if (factor.confirmed_at !== null) await proveSecondFactor(deps, user, input, ctx, "authenticated");
  const removed = await inLockedTransaction(deps.database.db, async (trx) => {
    await repo.lockUser(trx, user.id);
    if (!(await factorRepo.deleteFactor(trx, user.id, factorId))) return false;
    // Without a factor left (a passkey is one), recovery codes would be a second password: they go too.
    if (!(await factorRepo.hasAnyFactor(trx, user.id))) await factorRepo.replaceRecoveryCodes(trx, user.id, []);
    await recordAuditEvent(
      trx,
      deps.clock,
      userEvent("mfa.factor_removed", ctx, user.id, user.id, { factorId, kind: factor.kind }),
    );
    return true;
  });
  if (!removed) throw identityErrors.factorNotFound();
  securityEvent(deps, "mfa.factor_removed", ctx, { userId: user.id, factorId });
}

async function useTotpCode(deps: IdentityDeps, userId: string, code: string): Promise<boolean> {
  const nowMs = deps.clock.now().getTime();
  for (const factor of await factorRepo.confirmedFactors(deps.database.db, userId)) {
    if (factor.kind !== "totp") continue;
    const step = matchingTotpStep(deps.totpSealer.unseal(factor.secret_sealed), code, nowMs);
    if (step === undefined) continue;
    // Replay of an accepted code (or an older one) loses here, even when two arrive at once.
    return factorRepo.claimTotpStep(deps.database.db, factor.id, step, new Date(nowMs).toISOString(), false);
  }
  return false;
}

/**
 * Checks a second-factor proof for `user`. Every attempt is claimed from the account's
 * login throttle first (login-throttle.ts: counted in advance, under the row lock), so wrong
 * codes lock the account exactly as wrong passwords do; a success clears the count.
 * `where` picks the problem: a sign-in answers 401, a signed-in user's form 422.
 */
export async function proveSecondFactor(
  deps: IdentityDeps,
  user: UsersTable,
  proof: SecondFactorProof,
  ctx: RequestContext,
  where: "sign-in" | "authenticated",
): Promise<FactorMethod> {
  const emailHash = loginThrottleKey(user.email);
  const attempt = await claimLoginAttempt(deps, emailHash);
  if (!attempt.allowed) {
    throw where === "sign-in"
      ? identityErrors.invalidCode(attempt.retryAfterSeconds)
      : identityErrors.factorLocked(attempt.retryAfterSeconds);
  }
  const method = await verify(deps, user, proof, ctx);
  if (method !== undefined) {
    await repo.clearLoginThrottle(deps.database.db, emailHash);
    return method;
  }
  securityEvent(deps, "mfa.code_failed", ctx, { userId: user.id });
  await inLockedTransaction(deps.database.db, async (trx) => {
    await recordAuditEvent(trx, deps.clock, userEvent("mfa.code_failed", ctx, null, user.id, { emailHash }));
    if (attempt.lockSeconds) {
      securityEvent(deps, "auth.account_locked", ctx, { emailHash, lockSeconds: attempt.lockSeconds });
      await recordAuditEvent(
        trx,
        deps.clock,
        userEvent("auth.account_locked", ctx, null, user.id, { emailHash, lockSeconds: attempt.lockSeconds }),
      );
    }
  });
  if (where === "sign-in") throw identityErrors.invalidCode(attempt.lockSeconds);
  throw identityErrors.wrongCode(proofPointer(proof));
}
