import {
  BadRequestError,
  ConflictError,
  NotFoundError,
  UnauthorizedError,
} from "../../../platform/errors/app-error.ts";

/**
 * Why a WebAuthn response was refused, with its stable problem code (docs/errors.md).
 * Registration is made by a signed-in user, so its failures are 400 (a bad request);
 * sign-in failures are 401 (nobody was authenticated).
 */
const FAILURES = {
  malformed_response: ["passkey.malformed_response", "The WebAuthn response could not be decoded."],
  challenge_invalid: [
    "passkey.challenge_invalid",
    "The challenge is unknown, expired or already used. Request new options and try again.",
  ],
  origin_rejected: [
    "passkey.origin_rejected",
    "The response was made on a page whose origin is not allowed to use passkeys here.",
  ],
  rp_id_mismatch: ["passkey.rp_id_mismatch", "The authenticator signed for another relying party."],
  user_verification_required: [
    "passkey.user_verification_required",
    "The authenticator did not verify the user (PIN or biometrics required).",
  ],
  signature_invalid: ["passkey.signature_invalid", "The authenticator's signature does not verify."],
  unknown_credential: ["passkey.unknown_credential", "This passkey is not registered here."],
  counter_regressed: [
    "passkey.counter_regressed",
    "The authenticator's signature counter did not advance: the passkey may have been cloned.",
  ],
  verification_failed: ["passkey.verification_failed", "The WebAuthn response does not verify."],
} as const satisfies Record<string, readonly [string, string]>;

export type PasskeyFailure = keyof typeof FAILURES;

export type Ceremony = "registration" | "sign_in";

/** A refused ceremony step as the problem its caller answers. */
export function passkeyError(ceremony: Ceremony, failure: PasskeyFailure) {
  const [code, detail] = FAILURES[failure];
  return ceremony === "registration" ? new BadRequestError(code, detail) : new UnauthorizedError(code, detail);
}

/**
 * Thrown by the ceremony steps (ceremony.ts); the use case maps it to a problem
 * (`passkeyError`) or, for the second factor, to a verdict.
 */
export class PasskeyRefusal extends Error {
  readonly failure: PasskeyFailure;
  constructor(failure: PasskeyFailure) {
    super(FAILURES[failure][1]);
    this.name = "PasskeyRefusal";
    this.failure = failure;
  }
}

export const passkeyErrors = {
  notFound: () => new NotFoundError("passkey.not_found", "No such passkey."),
  alreadyRegistered: () =>
    new ConflictError("passkey.already_registered", "This authenticator's passkey is already registered."),
};
