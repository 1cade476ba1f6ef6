import type { FastifySchema } from "fastify";

/** The header as the OpenAPI document declares it on every route that honours it (plugin.ts). */
export const IDEMPOTENCY_KEY_PARAMETER = "Idempotency-Key";

const IDEMPOTENCY_KEY_SCHEMA = {
  type: "string",
  minLength: 1,
  // 255 visible ASCII characters, plus the quotes of the draft's structured-field form.
  maxLength: 257,
  pattern: "^[\\x21-\\x7e]+$",
  description:
    'Makes this request safe to retry (IETF httpapi Idempotency-Key draft): a unique value per operation, e.g. a UUID, as a structured-field string ("8e03978e-40d5-43e8-bc93-6894a57f9324") or bare; 1 to 255 visible ASCII characters. The first response is stored for 24 h per (key, caller, method, path) and replayed byte for byte on a repeat; the same key with another body is a 422 (idempotency.key_reused), a repeat while the first is still running a 409 (idempotency.in_flight) with Retry-After.',
  examples: ['"8e03978e-40d5-43e8-bc93-6894a57f9324"'],
} as const;

interface HeadersSchema {
  readonly type?: string;
  readonly properties?: Record<string, unknown>;
  readonly required?: readonly string[];
}

/**
 * The route's header schema with the optional Idempotency-Key added, for the document only:
 * the plugin reads the header itself (a bad key is its 422), so the route's own validation is
 * unchanged.
 */
export function withIdempotencyKeyHeader(headers: FastifySchema["headers"]): HeadersSchema {
  const declared = (headers ?? {}) as HeadersSchema;
  return {
    ...declared,
    type: "object",
    properties: { ...(declared.properties ?? {}), [IDEMPOTENCY_KEY_PARAMETER]: IDEMPOTENCY_KEY_SCHEMA },
  };
}
