import { ProbeError } from "../http-probe.ts";
import { CREDENTIAL_ROUTE, describe, MiB, notJudgeable, oversizedBody } from "../probes.ts";
import type { Check } from "../types.ts";
import { fail, pass, warn } from "../types.ts";

const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;

/**
 * An 11 MiB body streamed without Content-Length: the limit must count received bytes,
 * or one client can make the server buffer without bound.
 */
export const bodyLimitCheck: Check = {
  id: "body-limit",
  title: "An 11 MiB chunked body gets 413",
  async run(ctx) {
    const probe = `POST ${CREDENTIAL_ROUTE} with an 11 MiB chunked body`;
    const fix =
      "Count received bytes against BODY_LIMIT (10 MiB) and AUTH_BODY_LIMIT (16 KiB), chunked bodies included, and answer 413; a proxy's client_max_body_size does too.";
    let response: Awaited<ReturnType<typeof oversizedBody>>;
    try {
      response = await oversizedBody(ctx);
    } catch (error) {
      // Cut off without an answer: the body was not swallowed, but clients get no 413 to act on.
      if (error instanceof ProbeError && (error.code === "ECONNRESET" || error.code === "EPIPE"))
        return warn(`${probe}: ${error.message}`, fix);
      throw error;
    }
    const blocked = notJudgeable(probe, response);
    if (blocked) return blocked;
    if (response.status === 413)
      return pass(`${describe(probe, response)} (answered after ${mib(response.bytesSent)} had been written)`);
    return fail(
      `${describe(probe, response)} after all ${mib(response.bytesSent)} were written: the body was read, not refused`,
      fix,
    );
  },
};
