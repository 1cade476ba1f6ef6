import type { Check } from "../types.ts";
import { fail, pass, warn } from "../types.ts";

interface Readiness {
  readonly status?: unknown;
  readonly checks?: Readonly<Record<string, { readonly status?: unknown }>>;
}

function parse(body: string): Readiness {
  try {
    return JSON.parse(body) as Readiness;
  } catch {
    return {};
  }
}

function named(readiness: Readiness, status: string): string[] {
  return Object.entries(readiness.checks ?? {})
    .filter(([, c]) => c.status === status)
    .map(([name]) => name);
}

/** /health/ready: every required dependency answers; an optional one down is degraded. */
export const readinessCheck: Check = {
  id: "readiness",
  title: "Readiness (/health/ready)",
  async run(ctx) {
    const response = await ctx.request({ path: "/health/ready" });
    const readiness = parse(response.body);
    const all = Object.keys(readiness.checks ?? {});
    const evidence = `GET /health/ready → ${response.status} ${String(readiness.status ?? "")}`.trim();
    if (response.status !== 200)
      return fail(
        `${evidence}${named(readiness, "failed").length > 0 ? `; failed: ${named(readiness, "failed").join(", ")}` : ""}`,
        "See which dependency is down in the body and the server log (database, Redis); 503 shutting_down means the instance is stopping.",
      );
    const degraded = named(readiness, "degraded");
    if (degraded.length > 0)
      return warn(
        `${evidence}; degraded: ${degraded.join(", ")}`,
        "Bring the optional dependencies back; the instance serves without them, with fallbacks.",
      );
    return pass(`${evidence}${all.length > 0 ? `; ok: ${all.join(", ")}` : ""}`);
  },
};
