import type { WindowState } from "./limiter.ts";

// Structured-field lists of the IETF httpapi RateLimit headers draft:
//   RateLimit-Policy: "user-min";q=100;w=60, "user-hour";q=5000;w=3600
//   RateLimit: "user-min";r=42;t=18, "user-hour";r=4958;t=3000
// The policy field is the same for every response of a tier, so it is built once.

export function rateLimitPolicyHeader(windows: readonly Omit<WindowState, "remaining" | "resetSeconds">[]): string {
  return windows.map((w) => `"${w.policy}";q=${w.quota};w=${w.windowSeconds}`).join(", ");
}

/** The windows consulted for this request, with what remains and when each resets. */
export function rateLimitHeader(windows: readonly WindowState[]): string {
  return windows
    .filter((w) => w.remaining !== undefined)
    .map((w) => `"${w.policy}";r=${w.remaining};t=${w.resetSeconds}`)
    .join(", ");
}
