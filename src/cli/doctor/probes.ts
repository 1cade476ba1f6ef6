import type { ProbeRequest, ProbeResponse } from "./http-probe.ts";
import type { CheckResult, DoctorContext } from "./types.ts";
import { warn } from "./types.ts";

/**
 * The requests several checks read, sent once per run (DoctorContext.shared). Paths are
 * Rampart's: a protected route, a credential route with a small body limit, and a path
 * no deployment serves.
 */
export const PROTECTED_ROUTE = "/api/v1/users/me";
export const CREDENTIAL_ROUTE = "/api/v1/auth/login";
export const UNKNOWN_ROUTE = "/rampart-doctor/no-such-route";
export const MiB = 1024 * 1024;

const JSON_HEADERS = { "content-type": "application/json" };

export const anonymousProtected = (ctx: DoctorContext): Promise<ProbeResponse> =>
  ctx.shared("protected-anonymous", { path: PROTECTED_ROUTE });

export const unknownRoute = (ctx: DoctorContext): Promise<ProbeResponse> =>
  ctx.shared("unknown-route", { path: UNKNOWN_ROUTE });

export const health = (ctx: DoctorContext): Promise<ProbeResponse> => ctx.shared("health", { path: "/health" });

export const malformedJson = (ctx: DoctorContext): Promise<ProbeResponse> =>
  ctx.shared("malformed-json", { method: "POST", path: CREDENTIAL_ROUTE, headers: JSON_HEADERS, body: '{"email":' });

/** 11 MiB, above the 10 MiB default BODY_LIMIT, streamed without Content-Length. */
export const OVERSIZED_BYTES = 11 * MiB;
export const OVERSIZED: ProbeRequest = {
  method: "POST",
  path: CREDENTIAL_ROUTE,
  headers: JSON_HEADERS,
  chunkedBytes: OVERSIZED_BYTES,
};
export const oversizedBody = (ctx: DoctorContext): Promise<ProbeResponse> => ctx.shared("oversized-body", OVERSIZED);

/** "GET /health 200" — the start of most evidence lines. */
export function describe(probe: string, response: ProbeResponse): string {
  const code = problemCode(response);
  return `${probe} → ${response.status}${code ? ` ${code}` : ""}`;
}

export function problemCode(response: ProbeResponse): string | undefined {
  try {
    const body = JSON.parse(response.body) as { code?: unknown };
    return typeof body.code === "string" ? body.code : undefined;
  } catch {
    return undefined;
  }
}

/**
 * While the kill switch is on, API routes answer 503 with Retry-After (and Rampart's
 * problem code service.kill_switch): checks that need an API route cannot judge it then.
 */
export function killSwitchOn(response: ProbeResponse): boolean {
  if (response.status !== 503) return false;
  return response.headers["retry-after"] !== undefined || (problemCode(response) ?? "").includes("kill_switch");
}

/** A verdict for a probe the deployment refused for a reason other than what is checked, or undefined. */
export function notJudgeable(probe: string, response: ProbeResponse): CheckResult | undefined {
  if (killSwitchOn(response))
    return warn(
      `${describe(probe, response)}: the kill switch is on, so this cannot be checked`,
      "Run doctor again once the kill switch is off.",
    );
  if (response.status === 429)
    return warn(
      `${describe(probe, response)}: this client is rate-limited (Retry-After: ${response.headers["retry-after"] ?? "?"})`,
      "Run doctor again once the rate-limit window has passed (a --load run spends the budget).",
    );
  return undefined;
}
