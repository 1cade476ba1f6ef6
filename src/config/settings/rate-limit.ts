import { type TString, Type } from "@sinclair/typebox";
import type { ConfigRule, SettingGroup, SettingSpec } from "../setting.ts";
import {
  ACCOUNT_LIMIT_SPEC,
  DEFAULT_TIER_SPECS,
  parseTierSpec,
  REFRESH_SESSION_SPEC,
  TIER_SPEC_PATTERN,
} from "../values/tiers.ts";

function tier(
  name: string,
  description: string,
  spec = DEFAULT_TIER_SPECS[name as keyof typeof DEFAULT_TIER_SPECS] ?? ACCOUNT_LIMIT_SPEC,
): SettingSpec & { schema: TString; default: string } {
  return {
    schema: Type.String({ pattern: TIER_SPEC_PATTERN, description: "min=<n>,hour=<n>,burst=<n>" }),
    default: spec,
    description: `Rate limit of the ${name} tier (${description}): per minute, per hour, and the most in one minute (burst ≥ min).`,
    example: spec,
  };
}

export const rateLimitSettings = {
  ENABLE_RATE_LIMITING: {
    schema: Type.Boolean(),
    default: "true",
    description: "Tiered rate limits on routes that declare a tier. false turns them off (warned about in production).",
    example: "true",
  },
  RATE_LIMIT_PUBLIC: tier("public", "anonymous callers, per client IP"),
  RATE_LIMIT_USER: tier("user", "authenticated users"),
  RATE_LIMIT_ADMIN: tier("admin", "company admins and owners"),
  RATE_LIMIT_AI: tier("ai", "routes that cost AI spend"),
  RATE_LIMIT_WEBHOOK: tier("webhook", "incoming webhooks"),
  RATE_LIMIT_AUTH: tier("auth", "login, register, password; per client IP"),
  RATE_LIMIT_REFRESH: tier(
    "refresh",
    "token refresh; per client IP, a generous ceiling: each session also has RATE_LIMIT_REFRESH_SESSION",
  ),
  RATE_LIMIT_REFRESH_SESSION: tier(
    "refresh-session",
    "token refresh; per session (refresh-token family), whatever the client IP",
    REFRESH_SESSION_SPEC,
  ),
  RATE_LIMIT_AUTH_ACCOUNT: tier(
    "auth-account",
    "login, forgot-password, resend-verification; per target email address, whatever the client IP",
  ),
  RATE_LIMIT_ROUTES: {
    schema: Type.String({
      pattern: "^$|^[A-Z]+ /\\S*=[a-z]+(,[A-Z]+ /\\S*=[a-z]+)*$",
      description: "a comma list of METHOD /route=tier",
    }),
    default: "",
    description:
      "Put a tier on routes without a deploy, overriding what they declare (comma list of METHOD /route=tier), e.g. to throttle a route under attack.",
    example: "GET /health=public",
  },
  RATE_LIMIT_KEY_PREFIX: {
    schema: Type.String({ minLength: 1 }),
    default: "rampart:rl",
    description: "Prefix of the rate-limit counters in Redis (distinct per environment sharing one Redis).",
    example: "rampart:prod:rl",
  },
} satisfies SettingGroup;

const TIER_SETTINGS = [
  "PUBLIC",
  "USER",
  "ADMIN",
  "AI",
  "WEBHOOK",
  "AUTH",
  "AUTH_ACCOUNT",
  "REFRESH",
  "REFRESH_SESSION",
].map((t) => `RATE_LIMIT_${t}`);

export const rateLimitRules: ConfigRule[] = [
  // One rule per tier: a tier that does not parse skips only its own check.
  ...TIER_SETTINGS.map(
    (name): ConfigRule =>
      (c) => {
        const limits = parseTierSpec(String(c[name]));
        return limits.burst < limits.perMinute
          ? [{ name, message: "burst must be at least min", example: DEFAULT_TIER_SPECS.public }]
          : [];
      },
  ),
  (c) => {
    const unknown = String(c.RATE_LIMIT_ROUTES)
      .split(",")
      .filter((entry) => entry.includes("="))
      .map((entry) => entry.slice(entry.lastIndexOf("=") + 1))
      .filter((t) => !(t in DEFAULT_TIER_SPECS));
    return unknown.length > 0
      ? [{ name: "RATE_LIMIT_ROUTES", message: `unknown tier ${unknown.join(", ")}`, example: "GET /health=public" }]
      : [];
  },
];
