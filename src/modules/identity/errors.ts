import {
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
  originRejected: () =>
    new ForbiddenError("auth.origin_rejected", "Cookie-authenticated requests must come from an allowed origin."),
};
