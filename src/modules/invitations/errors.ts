import { ConflictError, ForbiddenError, GoneError, NotFoundError } from "../../platform/errors/app-error.ts";

/** Stable codes of the invitations module; listed in docs/errors.md. */
export const invitationErrors = {
  notFound: () => new NotFoundError("invitation.not_found", "No such invitation."),
  duplicate: () =>
    new ConflictError(
      "invitation.duplicate",
      "This address already has a pending invitation to the company; revoke it first to send another.",
      { errors: [{ path: "/body/email", message: "already has a pending invitation" }] },
    ),
  alreadyMember: () =>
    new ConflictError("member.already_member", "The person with this address is already a member of the company.", {
      errors: [{ path: "/body/email", message: "is already a member" }],
    }),
  roleTooStrong: (role: string) =>
    new ForbiddenError("member.role_too_strong", `You cannot invite as ${role}: it is stronger than your own role.`),
  keyRoleTooStrong: (role: string) =>
    new ForbiddenError(
      "invitation.role_not_allowed_for_api_key",
      `An API key can invite members and viewers only, not ${role}s.`,
    ),
  emailMismatch: () =>
    new ForbiddenError(
      "invitation.email_mismatch",
      "This invitation was sent to another address; sign in with the account of the invited address.",
    ),
  emailUnverified: () =>
    new ForbiddenError("invitation.email_unverified", "Confirm your email address before accepting an invitation."),
  expired: () => new GoneError("invitation.expired", "This invitation has expired; ask for a new one."),
  withdrawn: () =>
    new GoneError(
      "invitation.withdrawn",
      "Whoever sent this invitation can no longer invite to this company as this role; ask for a new one.",
    ),
  used: () => new ConflictError("invitation.used", "This invitation was already accepted or has been revoked."),
  /** Resend revives a pending invitation (lapsed or not), never a decided one. */
  notResendable: (status: string) =>
    new ConflictError(
      "invitation.not_resendable",
      status === "expired"
        ? "This invitation was replaced by a newer one to the same address; resend that one instead."
        : `This invitation was ${status}: it cannot be sent again. Send a new invitation instead.`,
    ),
};
