import { anonymousProtected, describe, notJudgeable, PROTECTED_ROUTE } from "../probes.ts";
import type { Check } from "../types.ts";
import { fail, pass } from "../types.ts";

/** RFC 6750 §3: a 401 names the scheme to use, so clients know to send a bearer token. */
export const wwwAuthenticateCheck: Check = {
  id: "www-authenticate",
  title: "401 without a token, with WWW-Authenticate: Bearer",
  async run(ctx) {
    const probe = `GET ${PROTECTED_ROUTE} without a token`;
    const response = await anonymousProtected(ctx);
    const blocked = notJudgeable(probe, response);
    if (blocked) return blocked;
    if (response.status !== 401)
      return fail(
        `${describe(probe, response)}: a protected route must answer 401`,
        "Require authentication on every /api/v1 route that returns account data.",
      );
    const challenge = response.headers["www-authenticate"];
    if (challenge === undefined || !/^Bearer\b/i.test(challenge))
      return fail(
        `${describe(probe, response)} without WWW-Authenticate: Bearer`,
        'Send WWW-Authenticate: Bearer realm="…" with every 401 (RFC 6750).',
      );
    return pass(`${describe(probe, response)}, WWW-Authenticate: ${challenge}`);
  },
};
