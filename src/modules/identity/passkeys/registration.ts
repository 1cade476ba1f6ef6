import type { PublicKeyCredentialCreationOptionsJSON } from "@simplewebauthn/server";
import { webauthnOrigins } from "../../../config/settings/webauthn.ts";
import { isUniqueViolation } from "../../../platform/db/errors.ts";
import { newId } from "../../../platform/db/ids.ts";
import { inLockedTransaction } from "../../../platform/db/locked-transaction.ts";
import { recordAuditEvent } from "../../audit/index.ts";
import { identityErrors } from "../errors.ts";
import * as factorRepo from "../factor-repository.ts";
import * as identityRepo from "../repository.ts";
import { type IdentityDeps, type RequestContext, type UserActor, userEvent } from "../service.ts";
import { forgetSessions } from "../session-cache.ts";
import { issueChallenge, libraryRefusal, readClientData, SUPPORTED_ALGORITHMS, spendChallenge } from "./ceremony.ts";
import { type RegistrationBodyCredential, registrationJSON } from "./credential-json.ts";
import { PasskeyRefusal, passkeyError, passkeyErrors } from "./errors.ts";
import * as repo from "./repository.ts";
import { type PasskeyView, toPasskeyView, transportsOf } from "./view.ts";
import { webauthnLibrary } from "./webauthn-library.ts";

// Registering a passkey on the signed-in account: options with a stored challenge, then the
// authenticator's attestation verified and the credential kept.

/** The WebAuthn user handle: the account id's bytes, so an assertion names its account. */
export function userHandleOf(userId: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(userId);
}

export async function passkeyRegistrationOptions(
  deps: IdentityDeps,
  actor: UserActor,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const user = await identityRepo.findUserById(deps.database.db, actor.userId);
  if (user?.status !== "active") throw identityErrors.accountNotLive();
  const existing = await repo.listPasskeys(deps.database.db, user.id);
  const challenge = await issueChallenge(deps, "registration", user.id);
  const { generateRegistrationOptions } = await webauthnLibrary();
  return generateRegistrationOptions({
    rpName: deps.config.WEBAUTHN_RP_NAME,
    rpID: deps.config.WEBAUTHN_RP_ID,
    userName: user.email,
    userDisplayName: user.name,
    userID: userHandleOf(user.id),
    challenge: challenge.bytes,
    timeout: deps.config.WEBAUTHN_CHALLENGE_TTL_S * 1000,
    attestationType: "none",
    // The same authenticator twice would be one passkey listed twice.
    excludeCredentials: existing.map((p) => ({ id: p.credential_id, transports: transportsOf(p) })),
    // Discoverable ("resident") credentials with user verification: what passwordless sign-in needs.
    authenticatorSelection: { residentKey: "required", requireResidentKey: true, userVerification: "required" },
    supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
  });
}

export async function registerPasskey(
  deps: IdentityDeps,
  actor: UserActor,
  input: { name?: string | undefined; credential: RegistrationBodyCredential },
  ctx: RequestContext,
): Promise<PasskeyView> {
  const db = deps.database.db;
  const verified = await verifyAttestation(deps, actor.userId, input.credential).catch((error: unknown) => {
    if (error instanceof PasskeyRefusal) throw passkeyError("registration", error.failure);
    throw error;
  });
  const { credential, credentialDeviceType, aaguid } = verified;
  const now = deps.clock.nowIso();
  const name = input.name?.trim() || `Passkey ${(await repo.countPasskeys(db, actor.userId)) + 1}`;
  const row = {
    id: newId(),
    user_id: actor.userId,
    credential_id: credential.id,
    public_key: Buffer.from(credential.publicKey).toString("base64url"),
    counter: credential.counter,
    transports: JSON.stringify(credential.transports ?? []),
    device_type: credentialDeviceType,
    aaguid,
    name,
    created_at: now,
    last_used_at: null,
  };
  try {
    await inLockedTransaction(db, async (trx) => {
      const user = await identityRepo.lockUser(trx, actor.userId);
      if (user?.status !== "active") throw identityErrors.accountNotLive();
      await repo.insertPasskey(trx, row);
      await recordAuditEvent(
        trx,
        deps.clock,
        userEvent("passkey.registered", ctx, actor.userId, actor.userId, { factorId: row.id, name }),
      );
    });
  } catch (error) {
    // The credential id is unique over every account: this authenticator's key is already here.
    if (isUniqueViolation(error)) throw passkeyErrors.alreadyRegistered();
    throw error;
  }
  // A passkey is a second factor (factors.ts), and this session just proved it (user
  // verification was required): as when a TOTP factor is confirmed, the session now counts
  // as multi-factor and the account's other sessions that never used a factor end.
  if (!(actor.amr ?? []).includes("mfa")) {
    await factorRepo.upgradeSession(db, actor.sessionId, now, credentialDeviceType === "multiDevice" ? "swk" : "hwk");
    await forgetSessions(deps, await factorRepo.revokeSessionsWithoutMfa(db, actor.userId, actor.sessionId, now));
  }
  return toPasskeyView(row);
}

async function verifyAttestation(deps: IdentityDeps, userId: string, body: RegistrationBodyCredential) {
  const clientData = readClientData(body.response.clientDataJSON);
  await spendChallenge(deps, deps.database.db, clientData, "registration", userId);
  const { verifyRegistrationResponse } = await webauthnLibrary();
  const result = await verifyRegistrationResponse({
    response: registrationJSON(body),
    expectedChallenge: clientData.challenge,
    expectedOrigin: webauthnOrigins(deps.config),
    expectedRPID: deps.config.WEBAUTHN_RP_ID,
    expectedType: "webauthn.create",
    requireUserVerification: true,
    supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
  }).catch((error: unknown) => {
    throw libraryRefusal(error);
  });
  if (!result.verified) throw new PasskeyRefusal("verification_failed");
  return result.registrationInfo;
}
