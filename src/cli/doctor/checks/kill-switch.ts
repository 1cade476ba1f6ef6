import { anonymousProtected, describe, killSwitchOn, PROTECTED_ROUTE } from "../probes.ts";
import type { Check } from "../types.ts";
import { fail, pass, warn } from "../types.ts";

/** The kill switch answers API routes 503 with Retry-After while an incident is contained. */
export const killSwitchCheck: Check = {
  id: "kill-switch",
  title: "Kill switch off (API routes answer)",
  async run(ctx) {
    const probe = `GET ${PROTECTED_ROUTE}`;
    const response = await anonymousProtected(ctx);
    if (killSwitchOn(response))
      return warn(
        `${describe(probe, response)}, Retry-After: ${response.headers["retry-after"] ?? "-"}: the kill switch is on`,
        "Turn the kill switch off once the incident is over.",
      );
    if (response.status >= 500)
      return fail(`${describe(probe, response)}: the API is failing`, "Read the server log for the requests' errors.");
    return pass(`off: ${describe(probe, response)}`);
  },
};
