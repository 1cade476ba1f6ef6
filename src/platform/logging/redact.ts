/**
 * Keys whose values are credentials wherever they appear in a log object. Matching by
 * name (not by a fixed path) catches `body.password`, `user.refreshToken`,
 * `config.JWT_PRIVATE_KEY` and headers alike.
 */
const SENSITIVE_KEY = /pass(word)?|secret|token|authorization|cookie|api[-_]?key|private[-_]?key|credential|dsn/i;
export const REDACTED = "[REDACTED]";

export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key);
}

/** Whether anything inside `value` would be redacted; lets the hot path skip copying clean log lines. */
function containsSensitive(value: unknown, depth: number): boolean {
  if (depth > 8 || value === null || typeof value !== "object" || value instanceof Error) return false;
  if (Array.isArray(value)) return value.some((item) => containsSensitive(item, depth + 1));
  for (const key in value) {
    if (isSensitiveKey(key) || containsSensitive((value as Record<string, unknown>)[key], depth + 1)) return true;
  }
  return false;
}

/** `value` with every sensitive key's value replaced (a copy only when needed); depth-bounded against cycles. */
export function redactSensitive(value: unknown, depth = 0): unknown {
  return containsSensitive(value, depth) ? redactCopy(value, depth) : value;
}

function redactCopy(value: unknown, depth: number): unknown {
  if (depth > 8 || value === null || typeof value !== "object") return value;
  if (value instanceof Error) return value;
  if (Array.isArray(value)) return value.map((item) => redactCopy(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = isSensitiveKey(key) ? REDACTED : redactCopy(inner, depth + 1);
  }
  return out;
}
