import type { GenerateAuthenticationOptionsOpts, PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import { recordAuditEvent } from "../../audit/index.ts";
import { identityErrors } from "../errors.ts";
import * as identityRepo from "../repository.ts";
import {
  type IdentityDeps,
  type PublicUser,
  type RequestContext,
  securityEvent,
  type TokenPair,
  toPublicUser,
  userEvent,
} from "../service.ts";
import { startSession } from "../sessions.ts";
import { type VerifiedAssertion, verifyAssertion } from "./assertion.ts";
import { issueChallenge } from "./ceremony.ts";
import type { AuthenticationBodyCredential } from "./credential-json.ts";
import { type PasskeyFailure, PasskeyRefusal, passkeyError } from "./errors.ts";
import * as repo from "./repository.ts";
import { transportsOf } from "./view.ts";
import { webauthnLibrary } from "./webauthn-library.ts";

// Passkeys as a way in: passwordless sign-in with a discoverable credential, and the
// functions the MFA flow calls to use a passkey as a second factor.

/** Options for passwordless sign-in: nobody is known yet, so no credentials are listed. */
export async function passkeySignInOptions(deps: IdentityDeps): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return assertionOptions(deps, "sign_in", null, { userVerification: "required", allowCredentials: [] });
}

/** Request options with a fresh single-use challenge for `purpose`, valid as long as it is. */
async function assertionOptions(
  deps: IdentityDeps,
  purpose: "sign_in" | "second_factor",
  userId: string | null,
  options: Pick<GenerateAuthenticationOptionsOpts, "userVerification" | "allowCredentials">,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const { bytes } = await issueChallenge(deps, purpose, userId);
  const { generateAuthenticationOptions } = await webauthnLibrary();
  return generateAuthenticationOptions({
    rpID: deps.config.WEBAUTHN_RP_ID,
    challenge: bytes,
    timeout: deps.config.WEBAUTHN_CHALLENGE_TTL_S * 1000,
    ...options,
  });
}

/**
 * Passwordless sign-in: the passkey alone is both factors (something you have, verified
 * with something you know or are), so user verification is required. A verified assertion
 * starts a session exactly as a password login does.
 */
export async function signInWithPasskey(
  deps: IdentityDeps,
  body: AuthenticationBodyCredential,
  ctx: RequestContext,
): Promise<TokenPair & { user: PublicUser }> {
  let verified: VerifiedAssertion;
  try {
    verified = await verifyAssertion(deps, body, "sign_in", null, true, ctx);
  } catch (error) {
    if (!(error instanceof PasskeyRefusal)) throw error;
    securityEvent(deps, "auth.passkey_failed", ctx, { reason: error.failure });
    throw passkeyError("sign_in", error.failure);
  }
  const { passkey } = verified;
  const user = await identityRepo.findUserById(deps.database.db, passkey.user_id);
  if (!user || user.status === "deleted") throw passkeyError("sign_in", "unknown_credential");
  if (user.status === "suspended") {
    securityEvent(deps, "auth.suspended_login", ctx, { userId: user.id });
    await recordAuditEvent(deps.database.db, deps.clock, userEvent("auth.suspended_login", ctx, user.id, user.id));
    throw identityErrors.accountSuspended();
  }
  const pair = await startSession(
    deps,
    user,
    ctx,
    async (trx) => {
      // The counter moves forward under the user's lock, and only from the value checked: of
      // two responses carrying the same counter, one signs in.
      const now = deps.clock.nowIso();
      if (!(await repo.recordPasskeyUse(trx, passkey.id, verified.storedCounter, verified.newCounter, now)))
        return false;
      await recordAuditEvent(
        trx,
        deps.clock,
        userEvent("auth.passkey_used", ctx, user.id, user.id, { factorId: passkey.id, purpose: "sign_in" }),
      );
      return true;
    },
    undefined,
    // A user-verified passkey is possession and inherence (or knowledge) at once: the session
    // is multi-factor, so step-up, company policies and refresh treat it as one (RFC 8176).
    [passkeyAmr(verified), "mfa"],
  );
  return { ...pair, user: toPublicUser(user) };
}

function passkeyAmr(verified: VerifiedAssertion): PasskeyAmr {
  return verified.deviceType === "multiDevice" ? "swk" : "hwk";
}

/** Options for a passkey as the second factor of `userId`: that account's passkeys only. */
export async function passkeyAssertionOptionsForUser(
  deps: IdentityDeps,
  userId: string,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const passkeys = await repo.listPasskeys(deps.database.db, userId);
  return assertionOptions(deps, "second_factor", userId, {
    // The password was the knowledge factor: possession is what this proves.
    userVerification: "preferred",
    allowCredentials: passkeys.map((p) => ({ id: p.credential_id, transports: transportsOf(p) })),
  });
}

/**
 * RFC 8176 method of a passkey: `hwk` (proof of possession of a hardware-secured key) for a
 * device-bound credential, `swk` (software-secured key) for a synced one — its authenticator
 * flagged it backup-eligible, so the private key leaves the hardware for a cloud keychain.
 */
export type PasskeyAmr = "hwk" | "swk";

export type PasskeyFactorVerdict =
  | { readonly passed: true; readonly amr: PasskeyAmr; readonly passkeyId: string; readonly userVerified: boolean }
  | { readonly passed: false; readonly failure: PasskeyFailure };

/**
 * A passkey as `userId`'s second factor: a verdict rather than a problem, so the MFA flow
 * counts a failure toward the account's lockout as it does a wrong code. The challenge is
 * spent either way; a regressed counter is audited (see assertion.ts).
 */
export async function verifyPasskeyAssertionForUser(
  deps: IdentityDeps,
  userId: string,
  body: AuthenticationBodyCredential,
  ctx: RequestContext,
): Promise<PasskeyFactorVerdict> {
  let verified: VerifiedAssertion;
  try {
    verified = await verifyAssertion(deps, body, "second_factor", userId, false, ctx);
  } catch (error) {
    if (error instanceof PasskeyRefusal) return { passed: false, failure: error.failure };
    throw error;
  }
  const { passkey } = verified;
  const now = deps.clock.nowIso();
  if (!(await repo.recordPasskeyUse(deps.database.db, passkey.id, verified.storedCounter, verified.newCounter, now)))
    return { passed: false, failure: "counter_regressed" };
  await recordAuditEvent(
    deps.database.db,
    deps.clock,
    userEvent("auth.passkey_used", ctx, userId, userId, { factorId: passkey.id, purpose: "second_factor" }),
  );
  return {
    passed: true,
    amr: passkeyAmr(verified),
    passkeyId: passkey.id,
    userVerified: verified.userVerified,
  };
}
