import { anonymousProtected, describe, killSwitchOn, PROTECTED_ROUTE } from "../probes.ts";
import type { Check } from "../types.ts";
import { fail, pass, warn } from "../types.ts";

/** Limited routes tell clients their budget (IETF httpapi RateLimit / RateLimit-Policy headers). */
export const rateLimitHeadersCheck: Check = {
  id: "rate-limit-headers",
  title: "Rate-limit headers on a limited route",
  async run(ctx) {
    const probe = `GET ${PROTECTED_ROUTE}`;
    const response = await anonymousProtected(ctx);
    if (killSwitchOn(response))
      return warn(
        `${describe(probe, response)}: the kill switch is on, so this cannot be checked`,
        "Run doctor again once the kill switch is off.",
      );
    const policy = response.headers["ratelimit-policy"];
    const remaining = response.headers.ratelimit;
    if (policy !== undefined && remaining !== undefined)
      return pass(`${describe(probe, response)}, RateLimit-Policy: ${policy}; RateLimit: ${remaining}`);
    if (response.headers["x-ratelimit-limit"] !== undefined)
      return warn(
        `${describe(probe, response)} sends only X-RateLimit-* headers`,
        "Send the standard RateLimit-Policy and RateLimit headers (IETF httpapi draft).",
      );
    return fail(
      `${describe(probe, response)} without RateLimit-Policy/RateLimit headers: rate limiting looks off`,
      "Keep ENABLE_RATE_LIMITING=true (the default) and give every API route a tier.",
    );
  },
};
