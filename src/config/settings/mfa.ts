import { Type } from "@sinclair/typebox";
import type { SettingGroup } from "../setting.ts";

/** Second factors, the sign-in ticket and step-up (docs/security.md, "Second factors"). */
export const mfaSettings = {
  MFA_TOTP_ISSUER: {
    schema: Type.String({ minLength: 1, maxLength: 64, pattern: "^[^:]+$", description: "no colon" }),
    default: "Rampart",
    description: "The issuer name authenticator apps show next to a TOTP code (the otpauth:// URI's issuer).",
    example: "Acme",
  },
  MFA_TICKET_TTL_S: {
    schema: Type.Integer({ minimum: 30, maximum: 900 }),
    default: "300",
    description:
      "Lifetime in seconds of the single-use ticket a password sign-in answers with when the account has a second factor.",
    example: "300",
  },
  MFA_TICKET_MAX_FAILURES: {
    schema: Type.Integer({ minimum: 1, maximum: 20 }),
    default: "5",
    description:
      "Wrong codes a sign-in ticket survives; then it is void and the password must be given again (each wrong code also counts toward LOGIN_MAX_FAILURES).",
    example: "5",
  },
  STEP_UP_MAX_AGE_S: {
    schema: Type.Integer({ minimum: 30, maximum: 86400 }),
    default: "600",
    description:
      "Sensitive actions (API keys, ownership, deletions, password/email changes, factors, platform-admin writes) need an authentication at most this old, with a second factor when the account has one (RFC 9470 max_age).",
    example: "600",
  },
  PLATFORM_ADMIN_REQUIRE_MFA: {
    schema: Type.Boolean(),
    defaultFrom: (resolved) => (resolved.APP_ENV === "production" ? "true" : "false"),
    description:
      "Platform-admin endpoints refuse an admin whose session was not signed in with a second factor. Default: true in production, false elsewhere.",
    example: "true",
  },
} satisfies SettingGroup;
