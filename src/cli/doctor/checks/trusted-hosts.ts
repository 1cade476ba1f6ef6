import { describe, notJudgeable } from "../probes.ts";
import type { Check } from "../types.ts";
import { fail, pass, warn } from "../types.ts";

export const FOREIGN_HOST = "rampart-doctor.invalid";

/**
 * A Host header the deployment does not serve must be refused: absolute URLs, cache keys
 * and password-reset links built from Host are how Host header injection turns into
 * phishing and cache poisoning. JWKS is public, unlimited and answers 200 to any caller,
 * so a 2xx here can only mean the Host was accepted.
 */
export const trustedHostsCheck: Check = {
  id: "trusted-hosts",
  title: "A Host header outside the trusted list is refused",
  async run(ctx) {
    const probe = `GET /.well-known/jwks.json with Host: ${FOREIGN_HOST}`;
    const response = await ctx.request({ path: "/.well-known/jwks.json", headers: { host: FOREIGN_HOST } });
    const blocked = notJudgeable(probe, response);
    if (blocked) return blocked;
    if (response.status >= 200 && response.status < 300)
      return fail(
        `${describe(probe, response)}: any Host is accepted`,
        "Set TRUSTED_HOSTS to the host names clients use (e.g. api.example.com), or have the proxy in front refuse other hosts.",
      );
    if (response.status >= 500)
      return warn(
        `${describe(probe, response)}`,
        "A foreign Host should get a 4xx (Rampart: 400 request.untrusted_host).",
      );
    return pass(`${describe(probe, response)}`);
  },
};
