import type { Check } from "../types.ts";
import { fail, pass, warn } from "../types.ts";

/**
 * The interactive docs page advertises every route and tries requests from the browser:
 * production keeps it off (ENABLE_DOCS). /openapi.json is served on purpose — clients are
 * generated from it (docs/api.md) — so it is reported, not failed.
 */
export const docsExposureCheck: Check = {
  id: "docs-exposure",
  title: "No API docs page in production",
  async run(ctx) {
    const docs = await ctx.request({ path: "/docs" });
    const spec = await ctx.request({ path: "/openapi.json" });
    const profile = await ctx.profile();
    const docsServed = docs.status >= 200 && docs.status < 400;
    const specNote = `GET /openapi.json → ${spec.status}${spec.status === 200 ? " (served by design: the public contract clients are generated from)" : ""}`;
    const evidence = `GET /docs → ${docs.status}; ${specNote}`;
    if (!docsServed) return pass(evidence);
    if (profile.production)
      return fail(
        `${evidence}, in the production profile (${profile.reason})`,
        "Set ENABLE_DOCS=false (the production default).",
      );
    return warn(
      `${evidence}; development profile (${profile.reason})`,
      "Fine in development; production must set ENABLE_DOCS=false (its default).",
    );
  },
};
