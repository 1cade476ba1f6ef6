import { ForbiddenError, NotFoundError, ValidationError } from "../errors/app-error.ts";

/** Stable codes of access control (platform/access and the modules' locked re-checks); listed in docs/errors.md. */
export const accessErrors = {
  /** Also the answer for a company the caller has no relation to: its existence is not revealed. */
  companyNotFound: () => new NotFoundError("company.not_found", "No such company."),
  companySuspended: () =>
    new ForbiddenError("company.suspended", "This company is suspended; its resources are unavailable."),
  /** An id in upper case is refused like every other UUID field (422), not "not found". */
  companyIdNotLowerCase: () =>
    new ValidationError([{ path: "/params/companyId", message: "must be a UUID in lower case" }]),
  denied: (permission: string) =>
    new ForbiddenError("access.denied", `This action requires the ${permission} permission.`),
  userRequired: () =>
    new ForbiddenError("access.user_required", "API keys cannot call this endpoint; sign in as a user."),
  platformAdminRequired: () =>
    new ForbiddenError("access.platform_admin_required", "This endpoint is for platform administrators."),
  /** The company's policy requires a second factor the member has not enrolled (extension `policy`). */
  mfaEnrollmentRequired: () =>
    new ForbiddenError(
      "mfa.enrollment_required",
      "This company requires a second factor: enrol one (POST /api/v1/auth/factors/totp) to reach its resources.",
      { extensions: { policy: "company_require_mfa" } },
    ),
  emailUnverified: () =>
    new ForbiddenError("auth.email_unverified", "Confirm your email address first: open the link in the mail we sent."),
};
