import type { ProbeResponse } from "../http-probe.ts";
import { PROTECTED_ROUTE } from "../probes.ts";
import type { Check } from "../types.ts";
import { fail, pass } from "../types.ts";

/** An origin no deployment lists (.invalid is reserved, RFC 2606). */
export const FOREIGN_ORIGIN = "https://rampart-doctor.invalid";

function granted(response: ProbeResponse): string | undefined {
  const allow = response.headers["access-control-allow-origin"];
  if (allow === undefined) return undefined;
  const credentials = response.headers["access-control-allow-credentials"] === "true";
  return `Access-Control-Allow-Origin: ${allow}${credentials ? " with Access-Control-Allow-Credentials: true" : ""}`;
}

/**
 * A foreign site must not be able to read responses. A wildcard fails too, even without
 * credentials: any web page a user opens could then script the API — including a
 * deployment reachable only from the company network, through the user's browser.
 */
export const corsForeignOriginCheck: Check = {
  id: "cors-foreign-origin",
  title: "CORS refuses a foreign origin",
  async run(ctx) {
    const simple = await ctx.request({ path: "/health", headers: { origin: FOREIGN_ORIGIN } });
    const preflight = await ctx.request({
      method: "OPTIONS",
      path: PROTECTED_ROUTE,
      headers: {
        origin: FOREIGN_ORIGIN,
        "access-control-request-method": "GET",
        "access-control-request-headers": "authorization",
      },
    });
    const leaks = [
      ["GET /health", simple],
      [`preflight OPTIONS ${PROTECTED_ROUTE}`, preflight],
    ]
      .map(([probe, response]) => [probe, granted(response as ProbeResponse)] as const)
      .filter(([, grant]) => grant !== undefined)
      .map(([probe, grant]) => `${probe} with Origin ${FOREIGN_ORIGIN} → ${grant}`);
    if (leaks.length > 0)
      return fail(
        leaks.join("; "),
        "List the exact browser origins of your front ends in CORS_ORIGINS (scheme://host[:port]); never *.",
      );
    return pass(
      `Origin ${FOREIGN_ORIGIN}: GET /health → ${simple.status}, preflight → ${preflight.status}, no Access-Control-Allow-* header`,
    );
  },
};
