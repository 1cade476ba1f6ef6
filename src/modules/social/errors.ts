import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnauthorizedError,
} from "../../platform/errors/app-error.ts";

/** Stable codes of the social module; listed in docs/errors.md. */
export const socialErrors = {
  /** Not a provider this deployment enabled (GET /auth/social/providers lists them). */
  providerNotFound: () =>
    new NotFoundError("social.provider_not_found", "This sign-in provider does not exist or is not enabled."),
  /** Unknown, expired, already used, or started in another browser: the sign-in must start again. */
  invalidState: () =>
    new BadRequestError("social.invalid_state", "This sign-in is unknown, expired or already completed. Start again."),
  providerError: (error: string) =>
    new UnauthorizedError("social.provider_error", `The provider refused the sign-in (${error.slice(0, 64)}).`),
  /** The provider's answer failed a check (ID token signature, issuer, audience, nonce, expiry, PKCE, …). */
  responseRejected: () =>
    new UnauthorizedError("social.response_rejected", "The provider's answer could not be verified."),
  providerUnreachable: () =>
    new UnauthorizedError("social.provider_unreachable", "The provider could not be reached or answered badly."),
  /** A sign-up needs an address the provider says is verified (GitHub: the primary, verified one). */
  emailNotVerified: () =>
    new ForbiddenError(
      "social.email_not_verified",
      "The provider did not give an email address it has verified, so no account can be created from it.",
    ),
  /** Never linked silently by matching address: the owner links from their profile. */
  accountExists: (provider: string) =>
    new ConflictError(
      "social.account_exists",
      `An account with this email address already exists. Sign in to it, then link ${provider} from your profile.`,
      { extensions: { linkStart: { method: "POST", path: `/api/v1/users/me/identities/${provider}/start` } } },
    ),
  linkedElsewhere: () =>
    new ConflictError(
      "social.identity_linked_elsewhere",
      "This provider account is already linked to another account.",
    ),
  identityNotFound: () => new NotFoundError("social.identity_not_found", "No such linked sign-in."),
  /** Unlinking would leave the account with no password, no passkey and no other link. */
  lastSignInMethod: () =>
    new ConflictError(
      "social.last_sign_in_method",
      "This is the account's only way to sign in. Set a password or add a passkey first.",
    ),
  /**
   * The account has a second factor (TOTP or a passkey). A provider is one factor, and the
   * MFA step after a social sign-in is not built yet: rather than a session that skips the
   * account's factor, the person signs in with their password and factor, or their passkey.
   */
  secondFactorRequired: () =>
    new ForbiddenError(
      "social.second_factor_required",
      "This account has a second factor: sign in with its password and second factor, or with a passkey.",
    ),
  /** A link flow whose account was deleted or suspended before the provider sent the person back. */
  accountNotLive: () => new ForbiddenError("social.account_unavailable", "The account to link is no longer active."),
};
