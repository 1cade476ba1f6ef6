import { ForbiddenError, NotFoundError, ValidationError } from "../../platform/errors/app-error.ts";

/** Stable codes of the api-keys module; listed in docs/errors.md. */
export const apiKeyErrors = {
  notFound: () => new NotFoundError("api_key.not_found", "No such API key in this company."),
  scopeNotAllowed: (scopes: readonly string[]) =>
    new ValidationError(
      [{ path: "/body/scopes", message: `cannot be granted to an API key: ${scopes.join(", ")}` }],
      "Some scopes cannot be granted to API keys.",
      "api_key.scope_not_allowed",
    ),
  scopeExceedsCreator: (scopes: readonly string[]) =>
    new ForbiddenError(
      "api_key.scope_exceeds_yours",
      `A key cannot hold permissions its creator lacks: ${scopes.join(", ")}.`,
    ),
  expiryInPast: () =>
    new ValidationError(
      [{ path: "/body/expiresAt", message: "must be in the future" }],
      "The expiry must be in the future.",
      "api_key.expiry_in_past",
    ),
};
