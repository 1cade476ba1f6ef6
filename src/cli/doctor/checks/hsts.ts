import { health } from "../probes.ts";
import type { Check } from "../types.ts";
import { fail, pass, warn } from "../types.ts";

/** One year: what browsers' preload lists require and what Rampart sends. */
const MIN_MAX_AGE = 31_536_000;

export const hstsCheck: Check = {
  id: "hsts",
  title: "Strict-Transport-Security (HSTS)",
  async run(ctx) {
    const response = await health(ctx);
    const profile = await ctx.profile();
    const https = ctx.options.url.protocol === "https:";
    const value = response.headers["strict-transport-security"];
    const fix =
      "Send Strict-Transport-Security: max-age=31536000; includeSubDomains (Rampart does with APP_ENV=production).";
    if (value === undefined) {
      if (https) return fail("GET /health over https sends no Strict-Transport-Security", fix);
      if (profile.production)
        return fail("GET /health sends no Strict-Transport-Security in the production profile", fix);
      return warn(
        `GET /health over http sends no Strict-Transport-Security (development profile: ${profile.reason})`,
        `Production must: ${fix}`,
      );
    }
    const maxAge = Number(/max-age\s*=\s*"?(\d+)/i.exec(value)?.[1] ?? Number.NaN);
    if (!(maxAge >= MIN_MAX_AGE)) return warn(`Strict-Transport-Security: ${value} (max-age under one year)`, fix);
    const note = https ? "" : " (the URL is http: it takes effect once clients reach the deployment over https)";
    return pass(`Strict-Transport-Security: ${value}${note}`);
  },
};
