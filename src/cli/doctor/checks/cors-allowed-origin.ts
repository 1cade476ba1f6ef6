import { PROTECTED_ROUTE } from "../probes.ts";
import type { Check } from "../types.ts";
import { fail, pass, skip } from "../types.ts";

/** The origin given with --origin is granted exactly (never as a pattern), with Vary: Origin. */
export const corsAllowedOriginCheck: Check = {
  id: "cors-allowed-origin",
  title: "CORS allows the --origin front end, exactly",
  async run(ctx) {
    const origin = ctx.options.origin;
    if (origin === undefined)
      return skip(
        "no --origin given: only the refusal of a foreign origin was checked",
        "Pass --origin https://your-front-end to check it is allowed.",
      );
    const simple = await ctx.request({ path: "/health", headers: { origin } });
    const preflight = await ctx.request({
      method: "OPTIONS",
      path: PROTECTED_ROUTE,
      headers: { origin, "access-control-request-method": "GET", "access-control-request-headers": "authorization" },
    });
    const fix = `Add ${origin} to CORS_ORIGINS.`;
    const allow = simple.headers["access-control-allow-origin"];
    if (allow !== origin)
      return fail(
        `GET /health with Origin ${origin} → ${simple.status}, Access-Control-Allow-Origin: ${allow ?? "(none)"}`,
        fix,
      );
    // A response that depends on Origin must say so, or a shared cache serves one origin's answer to another.
    if (!/(^|,)\s*origin\s*(,|$)/i.test(simple.headers.vary ?? ""))
      return fail(
        `GET /health with Origin ${origin}: Access-Control-Allow-Origin set but no Vary: Origin`,
        "Send Vary: Origin with every origin-dependent answer.",
      );
    const methods = preflight.headers["access-control-allow-methods"] ?? "";
    if (
      preflight.status >= 300 ||
      preflight.headers["access-control-allow-origin"] !== origin ||
      !/\bGET\b/.test(methods)
    )
      return fail(
        `preflight OPTIONS ${PROTECTED_ROUTE} from ${origin} → ${preflight.status}, Allow-Origin: ${preflight.headers["access-control-allow-origin"] ?? "(none)"}, Allow-Methods: ${methods || "(none)"}`,
        fix,
      );
    const credentials = simple.headers["access-control-allow-credentials"] === "true" ? ", credentials allowed" : "";
    return pass(
      `Origin ${origin}: Access-Control-Allow-Origin echoes it with Vary: Origin${credentials}; preflight → ${preflight.status} (${methods}, max-age ${preflight.headers["access-control-max-age"] ?? "-"})`,
    );
  },
};
