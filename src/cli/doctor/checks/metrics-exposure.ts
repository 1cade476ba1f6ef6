import { ProbeError, type ProbeResponse } from "../http-probe.ts";
import type { Check } from "../types.ts";
import { fail, pass } from "../types.ts";

const PROMETHEUS = /^# (HELP|TYPE) /m;

function exposes(response: ProbeResponse): boolean {
  return response.status === 200 && PROMETHEUS.test(response.body);
}

/**
 * The URL to probe for --metrics-url: the listener's base (`http://host:9464`) means its
 * /metrics; a URL with a path (`http://host:9464/metrics`, as a Prometheus target is
 * written) is probed as given — appending /metrics to it would probe a 404 and pass.
 */
function metricsTarget(metricsUrl: URL): URL {
  return metricsUrl.pathname === "/" ? new URL("/metrics", metricsUrl) : metricsUrl;
}

/**
 * Metrics reveal traffic, error rates, route names and versions. On the main port they
 * need METRICS_TOKEN; the METRICS_PORT listener (--metrics-url) must not be reachable from
 * outside at all.
 */
export const metricsExposureCheck: Check = {
  id: "metrics-exposure",
  title: "/metrics is not readable without credentials",
  async run(ctx) {
    const main = await ctx.request({ path: "/metrics" });
    const lines = [`GET /metrics without credentials → ${main.status}`];
    const exposed: string[] = exposes(main) ? [`GET ${ctx.options.url.origin}/metrics → 200 Prometheus text`] : [];
    const metricsUrl = ctx.options.metricsUrl;
    if (metricsUrl !== undefined) {
      const target = metricsTarget(metricsUrl);
      try {
        const separate = await ctx.request({ path: target.pathname + target.search, base: new URL(target.origin) });
        lines.push(`GET ${target.href} → ${separate.status}`);
        if (exposes(separate)) exposed.push(`GET ${target.href} → 200 Prometheus text, reachable from here`);
      } catch (error) {
        if (!(error instanceof ProbeError)) throw error;
        lines.push(`${metricsUrl.origin} not reachable from here (${error.code})`);
      }
    }
    if (exposed.length > 0)
      return fail(
        exposed.join("; "),
        "Serve metrics on METRICS_PORT bound to a private interface (METRICS_HOST) behind the firewall, or on the main port only with METRICS_TOKEN.",
      );
    return pass(lines.join("; "));
  },
};
