import { webauthnOrigins } from "../../../config/settings/webauthn.ts";
import { recordAuditEvent } from "../../audit/index.ts";
import { type IdentityDeps, type RequestContext, securityEvent, userEvent } from "../service.ts";
import { libraryRefusal, readClientData, spendChallenge } from "./ceremony.ts";
import { type AuthenticationBodyCredential, authenticationJSON } from "./credential-json.ts";
import { PasskeyRefusal } from "./errors.ts";
import * as repo from "./repository.ts";
import type { ChallengePurpose, PasskeysTable } from "./tables.ts";
import { transportsOf } from "./view.ts";
import { webauthnLibrary } from "./webauthn-library.ts";

// Checking an assertion (navigator.credentials.get) against a stored passkey: shared by
// passwordless sign-in and the passkey as a second factor.

export interface VerifiedAssertion {
  readonly passkey: PasskeysTable;
  /** The counter the response was checked against, and the one it carried. */
  readonly storedCounter: number;
  readonly newCounter: number;
  readonly userVerified: boolean;
  /** `multiDevice` when the authenticator says the key may be backed up (synced). */
  readonly deviceType: string;
}

export async function verifyAssertion(
  deps: IdentityDeps,
  body: AuthenticationBodyCredential,
  purpose: ChallengePurpose,
  userId: string | null,
  requireUserVerification: boolean,
  ctx: RequestContext,
): Promise<VerifiedAssertion> {
  const clientData = readClientData(body.response.clientDataJSON);
  await spendChallenge(deps, deps.database.db, clientData, purpose, userId);
  const passkey = await repo.findPasskeyByCredentialId(deps.database.db, body.id);
  // Another account's passkey, offered as this account's second factor, is no passkey of its.
  if (!passkey || (userId !== null && passkey.user_id !== userId)) throw new PasskeyRefusal("unknown_credential");
  // A discoverable credential names its account (the user handle): it must be the passkey's.
  const handle = body.response.userHandle;
  if (handle && handle !== Buffer.from(passkey.user_id, "utf8").toString("base64url"))
    throw new PasskeyRefusal("unknown_credential");
  const storedCounter = Number(passkey.counter);
  const { verifyAuthenticationResponse } = await webauthnLibrary();
  const result = await verifyAuthenticationResponse({
    response: authenticationJSON(body),
    expectedChallenge: clientData.challenge,
    expectedOrigin: webauthnOrigins(deps.config),
    expectedRPID: deps.config.WEBAUTHN_RP_ID,
    expectedType: "webauthn.get",
    // Counter 0 turns the library's own counter check off: ours below runs only once the
    // signature verified, so a forged response cannot raise a clone alarm.
    credential: {
      id: passkey.credential_id,
      publicKey: new Uint8Array(Buffer.from(passkey.public_key, "base64url")),
      counter: 0,
      transports: transportsOf(passkey),
    },
    requireUserVerification,
  }).catch((error: unknown) => {
    throw libraryRefusal(error);
  });
  if (!result.verified) throw new PasskeyRefusal("signature_invalid");
  const { newCounter, userVerified, credentialDeviceType } = result.authenticationInfo;
  // Authenticators that keep no counter always send 0; one that does must move it forward.
  if ((newCounter > 0 || storedCounter > 0) && newCounter <= storedCounter) {
    await reportRegressedCounter(deps, passkey, storedCounter, newCounter, ctx);
    throw new PasskeyRefusal("counter_regressed");
  }
  return { passkey, storedCounter, newCounter, userVerified, deviceType: credentialDeviceType };
}

/**
 * A valid signature with a counter that did not advance: two copies of the key are in use
 * (a cloned authenticator) or a response was held back and replayed. Audited on the owner's
 * trail and logged as a security event; the passkey stays, its owner decides.
 */
async function reportRegressedCounter(
  deps: IdentityDeps,
  passkey: PasskeysTable,
  storedCounter: number,
  presentedCounter: number,
  ctx: RequestContext,
): Promise<void> {
  // `factorId`, not `passkeyId`: audit metadata drops keys that look like a password's ("pass…").
  const details = { factorId: passkey.id, storedCounter, presentedCounter };
  securityEvent(deps, "passkey.counter_regressed", ctx, { userId: passkey.user_id, ...details });
  // The presenter may not be the owner: the actor is unknown, the passkey's owner the target.
  await recordAuditEvent(
    deps.database.db,
    deps.clock,
    userEvent("passkey.counter_regressed", ctx, null, passkey.user_id, details),
  );
}
