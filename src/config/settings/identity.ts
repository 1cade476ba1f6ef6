import { Type } from "@sinclair/typebox";
import type { ConfigRule, SettingGroup } from "../setting.ts";

export const identitySettings = {
  REFRESH_TOKEN_TTL_S: {
    schema: Type.Integer({ minimum: 60 }),
    default: "2592000",
    description: "Lifetime of a login session's refresh token in seconds (30 days).",
    example: "2592000",
  },
  REFRESH_REUSE_INTERVAL_S: {
    schema: Type.Integer({ minimum: 0, maximum: 300 }),
    default: "10",
    description:
      "Grace after a refresh during which the old token returns the same successor (two tabs refreshing at once).",
    example: "10",
  },
  LOGIN_MAX_FAILURES: {
    schema: Type.Integer({ minimum: 1 }),
    default: "5",
    description: "Failed logins before an account is locked (1 min, doubling per lockout, capped at 1 h).",
    example: "5",
  },
  EMAIL_VERIFY_TTL_S: {
    schema: Type.Integer({ minimum: 60 }),
    default: "86400",
    description: "Lifetime of an email verification link in seconds (24 h).",
    example: "86400",
  },
  PASSWORD_RESET_TTL_S: {
    schema: Type.Integer({ minimum: 60 }),
    default: "3600",
    description: "Lifetime of a password reset link in seconds (1 h).",
    example: "3600",
  },
  COOKIE_SECURE: {
    schema: Type.Boolean(),
    default: "true",
    description: "Mark the refresh cookie Secure (HTTPS only). May be false only outside production.",
    example: "true",
  },
  COOKIE_SAMESITE: {
    schema: Type.Union([Type.Literal("strict"), Type.Literal("lax"), Type.Literal("none")]),
    default: "strict",
    description: "SameSite attribute of the refresh cookie: strict | lax | none.",
    example: "strict",
  },
  COOKIE_DOMAIN: {
    schema: Type.String({ minLength: 1 }),
    description: "Domain attribute of the refresh cookie. Unset: host-only cookie.",
    example: "api.example.com",
  },
} satisfies SettingGroup;

export const identityRules: ConfigRule[] = [
  (c) =>
    c.APP_ENV === "production" && c.COOKIE_SECURE === false
      ? [
          {
            name: "COOKIE_SECURE",
            message: "must be true in production (refresh tokens over plain HTTP)",
            example: "true",
          },
        ]
      : [],
  (c) =>
    c.COOKIE_SAMESITE === "none" && c.COOKIE_SECURE === false
      ? [
          {
            name: "COOKIE_SAMESITE",
            message: "none requires COOKIE_SECURE=true (browsers reject it otherwise)",
            example: "strict",
          },
        ]
      : [],
];
