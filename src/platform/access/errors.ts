import { ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from "../errors/app-error.ts";

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
  /** RFC 9470 §3: the challenge says how recent (max_age) and, when a factor is needed, which level. */
  insufficientAuthentication: (maxAgeS: number, needsFactor: boolean) => {
    const detail = needsFactor
      ? "This action needs a recent sign-in with your second factor: reauthenticate and retry."
      : "This action needs a recent sign-in: reauthenticate and retry.";
    const acr = needsFactor ? `, acr_values="mfa"` : "";
    return new UnauthorizedError("auth.step_up_required", detail, {
      headers: {
        "www-authenticate": `Bearer realm="rampart", error="insufficient_user_authentication", error_description="${detail}", max_age=${maxAgeS}${acr}`,
      },
      extensions: { maxAge: maxAgeS, acrValues: needsFactor ? ["mfa"] : [] },
    });
  },
  platformAdminMfaRequired: () =>
    new ForbiddenError(
      "mfa.enrollment_required",
      "Platform administrators must sign in with a second factor: enrol one and sign in again.",
      { extensions: { policy: "platform_admin" } },
    ),
  emailUnverified: () =>
    new ForbiddenError("auth.email_unverified", "Confirm your email address first: open the link in the mail we sent."),
};
