import { UnauthorizedError, ValidationError } from "../../../platform/errors/app-error.ts";

/**
 * Why a SAML response was refused, with its stable problem code (docs/errors.md). Every
 * refusal at the ACS is a 401: nobody was authenticated. The detail says what was wrong in
 * words an owner debugging a connection can act on, never the assertion's content (it holds
 * personal data) — the library's own message travels only as `cause`, for the logs.
 */
const REFUSALS = {
  response_malformed: ["saml.response_malformed", "The SAMLResponse is not a base64-encoded SAML 2.0 response."],
  signature_invalid: [
    "saml.signature_invalid",
    "The response carries no valid signature from the identity provider's certificates over the assertion used.",
  ],
  issuer_mismatch: ["saml.issuer_mismatch", "The assertion was issued by another identity provider."],
  audience_mismatch: ["saml.audience_mismatch", "The assertion is meant for another service provider (audience)."],
  recipient_mismatch: [
    "saml.recipient_mismatch",
    "The response is addressed to another endpoint (Recipient or Destination is not this ACS URL).",
  ],
  assertion_expired: [
    "saml.assertion_expired",
    "The assertion is outside its validity period (NotBefore / NotOnOrAfter), beyond the allowed clock skew.",
  ],
  in_response_to_invalid: [
    "saml.in_response_to_invalid",
    "The response answers a sign-in request that is unknown, expired, already answered or for another connection.",
  ],
  idp_initiated_refused: [
    "saml.idp_initiated_refused",
    "This connection accepts only sign-ins started here (IdP-initiated sign-in is disabled).",
  ],
  assertion_replayed: ["saml.assertion_replayed", "This assertion was already used."],
  idp_refused: ["saml.idp_refused", "The identity provider did not authenticate the user."],
  email_missing: [
    "saml.email_missing",
    "The assertion carries no valid email address (check the connection's email attribute).",
  ],
  subject_missing: ["saml.subject_missing", "The assertion names no subject (NameID)."],
} as const satisfies Record<string, readonly [string, string]>;

export type SamlRefusalReason = keyof typeof REFUSALS;

/** A refused SAML response: an RFC 9457 problem (401) whose `reason` says which check failed. */
export class SamlRefusal extends UnauthorizedError {
  readonly reason: SamlRefusalReason;
  constructor(reason: SamlRefusalReason, cause?: unknown) {
    const [code, detail] = REFUSALS[reason];
    super(code, detail, cause === undefined ? {} : { cause });
    this.reason = reason;
  }
}

/** Refused connection settings or IdP metadata: a 422 naming the field. */
export const samlErrors = {
  invalidSettings: (errors: { path: string; message: string }[]) =>
    new ValidationError(errors, "The SAML connection settings are invalid.", "saml.invalid_settings"),
  invalidMetadata: (path: string, message: string) =>
    new ValidationError(
      [{ path, message }],
      "The identity provider's metadata cannot be used.",
      "saml.invalid_metadata",
    ),
};
