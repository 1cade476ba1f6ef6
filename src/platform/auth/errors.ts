import { UnauthorizedError } from "../errors/app-error.ts";

/** Stable codes of authentication; listed in docs/errors.md. */
export const authErrors = {
  missingToken: () =>
    new UnauthorizedError("auth.missing_token", "This endpoint requires a bearer access token or an API key."),
  /** A credential that is not a bearer token we can read, or whose session is gone. */
  tokenNoLongerValid: () => new UnauthorizedError("auth.invalid_token", "The access token is no longer valid."),
  /** RFC 6750 §3: the challenge names the error so a client knows to refresh rather than re-prompt. */
  invalidAccessToken: (detail: string, cause?: unknown) =>
    new UnauthorizedError("auth.invalid_token", detail, {
      cause,
      headers: { "www-authenticate": `Bearer realm="rampart", error="invalid_token", error_description="${detail}"` },
    }),
  invalidApiKey: () => new UnauthorizedError("auth.invalid_api_key", "The API key is unknown, revoked or expired."),
};
