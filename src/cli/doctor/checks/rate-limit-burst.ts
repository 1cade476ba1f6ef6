import type { ProbeResponse } from "../http-probe.ts";
import { CREDENTIAL_ROUTE, describe, killSwitchOn } from "../probes.ts";
import type { Check, DoctorContext } from "../types.ts";
import { fail, pass, skip, warn } from "../types.ts";

/** In flight at once: a burst, yet no flood of a small deployment. */
const CONCURRENCY = 10;

/** Sends up to `count` requests, CONCURRENCY at a time, stopping at the first 429. */
async function burst(
  ctx: DoctorContext,
  count: number,
): Promise<{ sent: number; refused?: ProbeResponse; last?: ProbeResponse }> {
  let sent = 0;
  let refused: ProbeResponse | undefined;
  let last: ProbeResponse | undefined;
  const worker = async () => {
    while (sent < count && refused === undefined) {
      sent += 1;
      // An empty object: invalid (422) once admitted, so no account is ever touched.
      const response = await ctx.request({
        method: "POST",
        path: CREDENTIAL_ROUTE,
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      last = response;
      if (response.status === 429) refused ??= response;
      if (killSwitchOn(response)) return;
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, count) }, worker));
  return { sent, refused, last };
}

/**
 * Opt-in (--load N): spends this client's budget on the credential route, whose tier is
 * the smallest, until it is refused. Runs last so it cannot starve the other checks.
 */
export const rateLimitBurstCheck: Check = {
  id: "rate-limit-burst",
  title: "A burst on a credential route reaches 429 with Retry-After",
  last: true,
  async run(ctx) {
    const count = ctx.options.load;
    if (count === 0)
      return skip(
        "not run: opt in with --load N (spends this client's login budget for a minute)",
        "Pass --load 60 to check it.",
      );
    const { sent, refused, last } = await burst(ctx, count);
    const probe = `${sent} × POST ${CREDENTIAL_ROUTE}`;
    if (last !== undefined && killSwitchOn(last))
      return warn(
        `${describe(probe, last)}: the kill switch is on, so this cannot be checked`,
        "Run doctor again once the kill switch is off.",
      );
    if (refused === undefined)
      return fail(
        `${probe}: no 429 (last answer ${last?.status ?? "none"})`,
        "Keep ENABLE_RATE_LIMITING=true and the auth tier small (RATE_LIMIT_AUTH, default min=10,hour=100,burst=10).",
      );
    const retryAfter = refused.headers["retry-after"];
    if (retryAfter === undefined || !(Number(retryAfter) > 0 || !Number.isNaN(Date.parse(retryAfter))))
      return fail(
        `${probe}: 429 without a usable Retry-After (${retryAfter ?? "none"})`,
        "Send Retry-After (seconds) with every 429.",
      );
    return pass(`429 within ${sent} requests, Retry-After: ${retryAfter}`);
  },
};
