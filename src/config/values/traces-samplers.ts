/**
 * The OTEL_TRACES_SAMPLER values of the OpenTelemetry specification that Rampart honours.
 * Apart from trace-policy.ts, so that reading the configuration loads no OpenTelemetry module.
 */
export const TRACES_SAMPLERS = [
  "always_on",
  "always_off",
  "traceidratio",
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio",
] as const;
export type TracesSamplerName = (typeof TRACES_SAMPLERS)[number];
