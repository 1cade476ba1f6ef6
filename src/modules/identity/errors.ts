import {
  ConflictError,
  type FieldError,
  ForbiddenError,
  NotFoundError,
  UnauthorizedError,
  ValidationError,
} from "../../platform/errors/app-error.ts";

/** Stable codes of the identity module; listed in docs/errors.md. */
export const identityErrors = {
  /** Wrong password, unknown email and locked account all look alike: nothing is revealed. */
  invalidCredentials: (retryAfterSeconds?: number) =>
    new UnauthorizedError("auth.invalid_credentials", "The email or password is incorrect.", {
      headers: retryAfterSeconds ? { "retry-after": String(retryAfterSeconds) } : {},
    }),
  accountSuspended: () => new ForbiddenError("auth.account_suspended", "This account is suspended."),
  invalidRefreshToken: () =>
    new UnauthorizedError("auth.invalid_refresh_token", "The refresh token is invalid, expired or revoked."),
  refreshTokenReused: () =>
    new UnauthorizedError(
      "auth.refresh_token_reused",
      "This refresh token was already used; the session has been revoked. Sign in again.",
    ),
  invalidEmailToken: () =>
    new ValidationError(
      [{ path: "/body/token", message: "is invalid, expired or already used" }],
      "The link is no longer valid.",
      "auth.invalid_link",
    ),
  /** Validation, not authentication: the account has a password and the request named none. */
  passwordRequired: (path: string) =>
    new ValidationError([{ path, message: "is required: the account has a password" }]),
  wrongPassword: (path: string) =>
    new ValidationError(
      [{ path, message: "is not the current password" }],
      "The password is incorrect.",
      "auth.wrong_password",
    ),
  /** The signed-in account was deleted or suspended while the request ran: its sessions are gone. */
  accountNotLive: () =>
    new UnauthorizedError("auth.invalid_token", "The account behind this session is no longer active.", {
      headers: { "www-authenticate": 'Bearer realm="rampart", error="invalid_token"' },
    }),
  weakPassword: (errors: FieldError[]) =>
    new ValidationError(errors, "The password does not meet the password rules.", "auth.weak_password"),
  sessionNotFound: () => new NotFoundError("session.not_found", "No such session."),
  userNotFound: () => new NotFoundError("user.not_found", "No such user."),
  /** A wrong, reused or out-of-window second-factor code at sign-in; locked: with Retry-After. */
  invalidCode: (retryAfterSeconds?: number) =>
    new UnauthorizedError("mfa.invalid_code", "The code is incorrect, expired or already used.", {
      headers: retryAfterSeconds ? { "retry-after": String(retryAfterSeconds) } : {},
    }),
  /** Unknown, expired, used, bound to another client or spent by failures: all alike. */
  invalidTicket: () =>
    new UnauthorizedError("mfa.invalid_ticket", "The sign-in ticket is invalid or expired. Sign in again."),
  /** A signed-in user's wrong code (enrolment, removal, reauthentication); `path` names the field. */
  wrongCode: (path: string) =>
    new ValidationError(
      [{ path, message: "is incorrect, expired or already used" }],
      "The code is incorrect.",
      "mfa.wrong_code",
    ),
  /** Too many wrong codes or passwords for this account: the login lockout is in force. */
  factorLocked: (retryAfterSeconds: number) =>
    new ForbiddenError("mfa.locked", "Too many failed attempts; try again later.", {
      headers: { "retry-after": String(retryAfterSeconds) },
    }),
  /** Reauthentication of an account with a second factor must include it. */
  factorRequired: (path: string) =>
    new ValidationError(
      [{ path, message: "is required: this account has a second factor" }],
      "A second factor is required.",
      "mfa.factor_required",
    ),
  factorNotFound: () => new NotFoundError("mfa.factor_not_found", "No such factor."),
  factorAlreadyConfirmed: () => new ConflictError("mfa.factor_already_confirmed", "This factor is already confirmed."),
  tooManyFactors: () => new ConflictError("mfa.too_many_factors", "This account already has the most factors allowed."),
  /** Recovery codes belong to an account with a second factor. */
  noFactor: () => new ConflictError("mfa.no_factor", "Enrol a second factor first."),
  /** The address's company requires single sign-on: `ssoStart` says where to begin (docs/sso.md). */
  ssoRequired: (companySlug: string) =>
    new ForbiddenError("auth.sso_required", "This account signs in through its company's single sign-on.", {
      extensions: { ssoStart: { method: "POST", path: "/api/v1/auth/sso/start", body: { companySlug } } },
    }),
  originRejected: () =>
    new ForbiddenError("auth.origin_rejected", "Cookie-authenticated requests must come from an allowed origin."),
};
