import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnauthorizedError,
  ValidationError,
} from "../../platform/errors/app-error.ts";

/** Stable codes of the sso module; listed in docs/errors.md. */
export const ssoErrors = {
  connectionNotFound: () => new NotFoundError("sso.connection_not_found", "No such SSO connection in this company."),
  domainNotFound: () => new NotFoundError("sso.domain_not_found", "No such domain in this company."),
  invalid: (path: string, message: string) =>
    new ValidationError([{ path, message }], "The SSO settings are not usable.", "sso.invalid_settings"),
  /** Another company verified this domain first: a domain belongs to one company. */
  domainTaken: () =>
    new ConflictError("sso.domain_taken", "This domain is verified by another company and cannot be claimed."),
  domainAlreadyClaimed: () =>
    new ConflictError("sso.domain_already_claimed", "This company already claims this domain."),
  /** The TXT record is not there (yet): DNS may take a while to propagate. */
  verificationFailed: (detail: string) => new ConflictError("sso.domain_not_verified", detail),
  domainNotVerified: () =>
    new ConflictError("sso.domain_not_verified", "Verify the domain before requiring single sign-on for it."),
  /** Unknown, expired, already used or tampered state: the sign-in must start again. */
  invalidState: () =>
    new BadRequestError("sso.invalid_state", "This sign-in is unknown, expired or already completed. Start again."),
  /** The IdP's answer failed a check (signature, issuer, audience, nonce, expiry, …). */
  idpResponseRejected: () =>
    new UnauthorizedError("sso.idp_response_rejected", "The identity provider's answer could not be verified."),
  idpError: (error: string) =>
    new UnauthorizedError("sso.idp_error", `The identity provider refused the sign-in (${error.slice(0, 64)}).`),
  idpUnreachable: () =>
    new UnauthorizedError("sso.idp_unreachable", "The identity provider could not be reached or answered badly."),
  connectionDisabled: () => new ForbiddenError("sso.connection_disabled", "This SSO connection is disabled."),
  /** The address is missing, or not of a domain this company verified, or not verified by the IdP. */
  emailNotTrusted: (detail: string) => new ForbiddenError("sso.email_not_trusted", detail),
  companyUnavailable: () =>
    new ForbiddenError("sso.company_unavailable", "This company is suspended or no longer exists."),
  protocolNotSupported: () =>
    new ConflictError("sso.protocol_not_supported", "This action is not available for this connection's protocol."),
};
