import type { ProbeResponse } from "../http-probe.ts";
import { describe, health, UNKNOWN_ROUTE, unknownRoute } from "../probes.ts";
import type { Check } from "../types.ts";
import { fail, pass, warn } from "../types.ts";

/** What an API response must carry; returns the problems and the warnings of one response. */
function inspect(response: ProbeResponse): { problems: string[]; warnings: string[] } {
  const h = response.headers;
  const problems: string[] = [];
  const warnings: string[] = [];
  if (h["x-content-type-options"]?.toLowerCase() !== "nosniff")
    problems.push("X-Content-Type-Options: nosniff missing");
  const csp = h["content-security-policy"];
  if (csp === undefined) problems.push("Content-Security-Policy missing");
  const frameOptions = h["x-frame-options"]?.toUpperCase();
  if (frameOptions !== "DENY" && frameOptions !== "SAMEORIGIN" && !csp?.includes("frame-ancestors"))
    problems.push("neither X-Frame-Options nor CSP frame-ancestors forbids framing");
  const referrer = h["referrer-policy"];
  if (referrer === undefined) problems.push("Referrer-Policy missing");
  else if (/unsafe-url|no-referrer-when-downgrade/.test(referrer))
    problems.push(`Referrer-Policy: ${referrer} leaks URLs`);
  // OWASP: the legacy XSS auditor ("1; mode=block") can itself be abused; 0 or absent is right.
  const xss = h["x-xss-protection"];
  if (xss !== undefined && xss.trim() !== "0") warnings.push(`X-XSS-Protection: ${xss} (should be 0 or absent)`);
  return { problems, warnings };
}

export const securityHeadersCheck: Check = {
  id: "security-headers",
  title: "Security headers on a success and an error response",
  async run(ctx) {
    const probes: [string, ProbeResponse][] = [
      ["GET /health", await health(ctx)],
      [`GET ${UNKNOWN_ROUTE}`, await unknownRoute(ctx)],
    ];
    const problems: string[] = [];
    const warnings: string[] = [];
    for (const [probe, response] of probes) {
      const found = inspect(response);
      problems.push(...found.problems.map((p) => `${describe(probe, response)}: ${p}`));
      warnings.push(...found.warnings.map((p) => `${describe(probe, response)}: ${p}`));
    }
    const fix =
      "Send X-Content-Type-Options: nosniff, a Content-Security-Policy with frame-ancestors 'none', X-Frame-Options: DENY and Referrer-Policy: no-referrer on every response, errors included (Rampart sets them in one onSend hook; make sure no proxy strips them).";
    if (problems.length > 0) return fail(problems.join("; "), fix);
    if (warnings.length > 0) return warn(warnings.join("; "), "Send X-XSS-Protection: 0, or nothing.");
    const sample = probes[1]?.[1].headers ?? {};
    return pass(
      `${probes.map(([p, r]) => describe(p, r)).join(" and ")} both carry nosniff, CSP "${sample["content-security-policy"]}", X-Frame-Options ${sample["x-frame-options"] ?? "-"}, Referrer-Policy ${sample["referrer-policy"]}`,
    );
  },
};
