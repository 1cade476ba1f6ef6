import { type ProbeRequest, type ProbeResponse, sendProbe } from "./http-probe.ts";
import type { DoctorContext, DoctorOptions, Profile } from "./types.ts";

/**
 * The probing context of one run. Requests several checks read (GET /health, the
 * anonymous GET /api/v1/users/me) are sent once and shared, so a run costs the deployment
 * — and its rate limits — as little as possible.
 */
export function createContext(options: DoctorOptions): DoctorContext {
  const sent = new Map<string, Promise<ProbeResponse>>();
  const request = (probe: ProbeRequest) => sendProbe(options.url, probe, options.timeoutMs);
  const shared = (key: string, probe: ProbeRequest) => {
    let pending = sent.get(key);
    if (pending === undefined) {
      pending = request(probe);
      sent.set(key, pending);
    }
    return pending;
  };
  let profile: Promise<Profile> | undefined;
  return {
    options,
    request,
    shared,
    profile() {
      profile ??= detectProfile(options, shared);
      return profile;
    },
  };
}

/** GET /health, shared by the checks that read a plain success response. */
export const HEALTH: ProbeRequest = { path: "/health" };

/**
 * Rampart sends Strict-Transport-Security only in production (docs/security.md), so its
 * presence is how a deployment says it is production; --production asserts it instead,
 * for a deployment behind a proxy that sets its own HSTS or none.
 */
async function detectProfile(
  options: DoctorOptions,
  shared: (key: string, probe: ProbeRequest) => Promise<ProbeResponse>,
): Promise<Profile> {
  if (options.production) return { production: true, reason: "--production" };
  const health = await shared("health", HEALTH);
  if (health.headers["strict-transport-security"] !== undefined)
    return { production: true, reason: "GET /health sends Strict-Transport-Security (production only)" };
  return {
    production: false,
    reason: "GET /health sends no Strict-Transport-Security; pass --production to hold it to production rules",
  };
}
