import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "../../platform/errors/app-error.ts";

/** Stable codes of the partners module; listed in docs/errors.md. */
export const partnerErrors = {
  notFound: () => new NotFoundError("partnership.not_found", "No such partnership of this company."),
  partnerNotFound: () =>
    new NotFoundError("partnership.partner_not_found", "No company has this slug.", {
      errors: [{ path: "/body/partnerSlug", message: "names no company" }],
    }),
  self: () =>
    new ValidationError(
      [{ path: "/body/partnerSlug", message: "is this company" }],
      "A company cannot partner with itself.",
      "partnership.self",
    ),
  scopeNotAllowed: (scopes: readonly string[]) =>
    new ValidationError(
      [{ path: "/body/scopes", message: `cannot be granted to a partner: ${scopes.join(", ")}` }],
      "Some scopes cannot be granted to partners.",
      "partnership.scope_not_allowed",
    ),
  exists: () =>
    new ConflictError(
      "partnership.exists",
      "These companies already have a pending or active partnership; revoke it before requesting another.",
    ),
  requesterCannotDecide: () =>
    new ForbiddenError(
      "partnership.requester_cannot_decide",
      "Only the company that received the request can accept or reject it.",
    ),
  notPending: () => new ConflictError("partnership.not_pending", "This partnership is no longer awaiting a decision."),
  ended: () => new ConflictError("partnership.ended", "This partnership was already rejected or revoked."),
};
