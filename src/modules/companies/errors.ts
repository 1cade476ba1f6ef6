import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "../../platform/errors/app-error.ts";

/** Stable codes of the companies module; listed in docs/errors.md. */
export const companyErrors = {
  slugTaken: () =>
    new ConflictError("company.slug_taken", "Another company already uses this slug.", {
      errors: [{ path: "/body/slug", message: "is already taken" }],
    }),
  memberNotFound: () => new NotFoundError("member.not_found", "No such member in this company."),
  lastOwner: () =>
    new ConflictError(
      "company.last_owner",
      "A company must keep at least one owner: make someone else owner first (transfer-ownership).",
    ),
  soleOwner: (companies: readonly { id: string; name: string; slug: string }[]) =>
    new ConflictError(
      "account.sole_owner",
      `You are the only owner of ${companies.map((c) => `"${c.name}"`).join(", ")}: make another member owner (transfer-ownership) or delete ${companies.length === 1 ? "that company" : "those companies"} first.`,
      { extensions: { companies } },
    ),
  roleTooStrong: (role: string) =>
    new ForbiddenError("member.role_too_strong", `You cannot grant the ${role} role: it is stronger than your own.`),
  memberTooStrong: () =>
    new ForbiddenError(
      "member.outranks_you",
      "You cannot change or remove a member whose role is stronger than yours.",
    ),
  alreadyMember: () => new ConflictError("member.already_member", "This user is already a member of the company."),
  transferToSelf: () =>
    new ValidationError(
      [{ path: "/body/userId", message: "is you; name another member" }],
      "You already own this company.",
      "company.transfer_to_self",
    ),
};
