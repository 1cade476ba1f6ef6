// Loaded only with tracing.ts (tracing on): which spans are kept, and what they may say.
import { type Attributes, type Context, type Link, SpanKind, trace } from "@opentelemetry/api";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  type ReadableSpan,
  type Sampler,
  SamplingDecision,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
} from "@opentelemetry/sdk-trace";
import type { TracesSamplerName } from "../../config/values/traces-samplers.ts";

/** OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG (the ratio of the traceidratio samplers). */
export function samplerFromSettings(name: TracesSamplerName, ratio: number): Sampler {
  const root = (base: string): Sampler =>
    base === "always_on"
      ? new AlwaysOnSampler()
      : base === "always_off"
        ? new AlwaysOffSampler()
        : new TraceIdRatioBasedSampler(ratio);
  const chosen = name.startsWith("parentbased_")
    ? new ParentBasedSampler({ root: root(name.slice("parentbased_".length)) })
    : root(name);
  return new RequestRootsOnly(chosen);
}

/**
 * A trace starts only at an incoming request. Background work — the platform-state poll
 * every second, pool housekeeping, key reloads — would otherwise open a root trace for
 * each of its queries: ~170k spans a day per idle instance, paid for and never read.
 * Spans inside a request (its pg and Redis children) are decided by the configured sampler.
 */
class RequestRootsOnly implements Sampler {
  readonly #inner: Sampler;
  constructor(inner: Sampler) {
    this.#inner = inner;
  }
  shouldSample(context: Context, traceId: string, name: string, kind: SpanKind, attributes: Attributes, links: Link[]) {
    if (trace.getSpanContext(context) === undefined && kind !== SpanKind.SERVER)
      return { decision: SamplingDecision.NOT_RECORD };
    return this.#inner.shouldSample(context, traceId, name, kind, attributes, links);
  }
  toString(): string {
    return `RequestRootsOnly{${this.#inner.toString()}}`;
  }
}

/** Attributes that are a query string, dropped; attributes that are URLs, cut at the `?`. */
const QUERY_ATTRIBUTES = ["url.query"];
const URL_ATTRIBUTES = ["url.full", "http.url", "http.target"];

/**
 * Query strings leave spans as they leave log lines: they carry tokens (`?token=…` of a
 * verification link pasted into a wrong path) and personal data. Runs before the exporting
 * processor, on the span's own attributes, so nothing exported ever held them.
 */
export const stripQueryStrings: SpanProcessor = {
  onStart() {},
  onEnd(span: ReadableSpan) {
    const attributes = span.attributes as Record<string, unknown>;
    for (const key of QUERY_ATTRIBUTES) delete attributes[key];
    for (const key of URL_ATTRIBUTES) {
      const value = attributes[key];
      if (typeof value === "string" && value.includes("?")) attributes[key] = value.slice(0, value.indexOf("?"));
    }
  },
  forceFlush: async () => {},
  shutdown: async () => {},
};

/**
 * Redis spans name the command only: its arguments are keys such as rate-limit counters
 * (`…:user:<id>`, `…:ip:<address>`) and cached values.
 */
export function redisCommandOnly(command: string): string {
  return command;
}
