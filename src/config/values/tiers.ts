/** The rate-limit tiers a route (or, later, the caller's identity) can pick. */
export const TIER_NAMES = ["public", "user", "admin", "ai", "webhook", "auth", "refresh"] as const;
export type TierName = (typeof TIER_NAMES)[number];

/**
 * A tier's limits. `perMinute` is the sustained rate; `burst` is how many requests a
 * client may make in one minute when it has not used its burst allowance lately: the
 * extra `burst - perMinute` requests come from an allowance refilled every
 * BURST_WINDOW_S. `perHour` caps the total whatever the minute and burst say.
 */
export interface TierLimits {
  readonly perMinute: number;
  readonly perHour: number;
  readonly burst: number;
}

export const BURST_WINDOW_S = 600;

/** The audited defaults, written as their settings are (RATE_LIMIT_<TIER>). */
export const DEFAULT_TIER_SPECS: Readonly<Record<TierName, string>> = {
  public: "min=20,hour=1000,burst=30",
  user: "min=100,hour=5000,burst=150",
  admin: "min=200,hour=10000,burst=300",
  ai: "min=10,hour=300,burst=15",
  webhook: "min=100,hour=5000,burst=200",
  // Login, register, refresh, password: strict per IP, on top of the per-account lockout.
  auth: "min=10,hour=100,burst=10",
  // Token refresh, per IP: only a ceiling. Each session has its own budget
  // (REFRESH_SESSION_SPEC), so an office behind one NAT address is not throttled as one client.
  refresh: "min=300,hour=6000,burst=600",
};

/**
 * Not a tier a route picks but an extra budget per target account on credential routes
 * (login, forgot-password, resend-verification), spent whatever IP the request comes
 * from: a botnet spreading guesses at one account over many addresses is stopped here.
 */
export const ACCOUNT_LIMIT_SPEC = "min=10,hour=100,burst=10";

/**
 * Not a tier a route picks but a budget per session (refresh-token family) on
 * `POST /auth/refresh`: a client refreshes every 15 minutes, a few tabs a little more; a
 * stolen family replayed in a loop is stopped here whatever addresses it comes from.
 */
export const REFRESH_SESSION_SPEC = "min=6,hour=60,burst=12";

export const TIER_SPEC_PATTERN = "^min=[1-9][0-9]*,hour=[1-9][0-9]*,burst=[1-9][0-9]*$";

/** "min=20,hour=1000,burst=30" → limits. Assumes the value matched TIER_SPEC_PATTERN. */
export function parseTierSpec(spec: string): TierLimits {
  const numbers = Object.fromEntries(spec.split(",").map((part) => part.split("=") as [string, string]));
  return { perMinute: Number(numbers.min), perHour: Number(numbers.hour), burst: Number(numbers.burst) };
}
