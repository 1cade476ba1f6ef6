import { ProbeError, type ProbeResponse } from "../http-probe.ts";
import {
  CREDENTIAL_ROUTE,
  describe,
  killSwitchOn,
  malformedJson,
  oversizedBody,
  UNKNOWN_ROUTE,
  unknownRoute,
} from "../probes.ts";
import type { Check, DoctorContext } from "../types.ts";
import { fail, pass, warn } from "../types.ts";

/** What an error body must never contain: stack frames, paths, framework and runtime names. */
const LEAKS: readonly [string, RegExp][] = [
  ["a stack frame", /\bat\s+\S+\s+\(?[^\s()]+:\d+:\d+\)?|\bat\s+[^\s()]+:\d+:\d+/],
  ["node_modules", /node_modules/],
  ["the framework name fastify", /fastify/i],
  ["a Fastify error code", /\bFST_[A-Z_]+/],
  ["the framework name express", /\bexpress(?:js)?\b/i],
  ["a JavaScript error class", /\b(?:SyntaxError|TypeError|ReferenceError|RangeError)\b/],
  ["a JSON parser message", /Unexpected (?:token|end of JSON)|in JSON at position/i],
  ["a Python traceback", /Traceback \(most recent call last\)/],
  ["a database error", /\bSQLITE_[A-Z]+|\bsqlite3?\b|relation "[^"]+" does not exist|\bkysely\b/i],
];

function leaksIn(body: string): string[] {
  return LEAKS.filter(([, pattern]) => pattern.test(body)).map(([name]) => name);
}

async function answer(send: () => Promise<ProbeResponse>): Promise<ProbeResponse | ProbeError> {
  try {
    return await send();
  } catch (error) {
    if (error instanceof ProbeError) return error;
    throw error;
  }
}

/** Error bodies of a malformed JSON body, an unknown route and an oversized body, read for internals. */
export const errorLeaksCheck: Check = {
  id: "error-leaks",
  title: "Error bodies reveal no stack trace or framework",
  async run(ctx: DoctorContext) {
    const probes: [string, ProbeResponse | ProbeError][] = [
      [`POST ${CREDENTIAL_ROUTE} with malformed JSON`, await answer(() => malformedJson(ctx))],
      [`GET ${UNKNOWN_ROUTE}`, await answer(() => unknownRoute(ctx))],
      [`POST ${CREDENTIAL_ROUTE} with an 11 MiB chunked body`, await answer(() => oversizedBody(ctx))],
    ];
    // A 429 or the kill switch's 503 is not the error path being probed: it cannot be judged.
    const judged = (r: ProbeResponse | ProbeError): r is ProbeResponse =>
      !(r instanceof ProbeError) && r.status !== 429 && !killSwitchOn(r);
    const answered = probes.filter((p): p is [string, ProbeResponse] => judged(p[1]));
    const firstError = probes.find(([, r]) => r instanceof ProbeError)?.[1];
    if (answered.length === 0 && firstError !== undefined) throw firstError;
    const found = answered.flatMap(([probe, response]) => {
      const leaks = leaksIn(response.body);
      return leaks.length > 0 ? [`${describe(probe, response)} body reveals ${leaks.join(", ")}`] : [];
    });
    if (found.length > 0)
      return fail(
        found.join("; "),
        "Map every error to a problem document written for clients (Rampart: one error handler, docs/errors.md); log the stack and the cause, never send them.",
      );
    const seen = answered.map(([probe, response]) => describe(probe, response)).join(", ");
    const unjudged = probes
      .filter(([, r]) => !judged(r))
      .map(([probe, r]) => (r instanceof ProbeError ? `${probe} (${r.message})` : describe(probe, r)));
    if (unjudged.length > 0)
      return warn(
        `clean: ${seen || "none"}; not judged: ${unjudged.join(", ")}`,
        "Run doctor again once the rate-limit window has passed or the kill switch is off; an error path that is not reached cannot be read.",
      );
    return pass(`no stack trace, path or framework name in ${seen}`);
  },
};
