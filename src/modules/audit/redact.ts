/**
 * Metadata never carries credentials: callers are asked not to pass them, and this strips
 * them defensively anyway, because an audit log is kept for years, exported, and read by
 * people who must not learn a password or token from it. Keys that name a secret are
 * dropped (their presence alone is not recorded); string values shaped like a bearer
 * credential are replaced.
 */
const SECRET_KEY =
  /pass(word|wd|phrase)?|secret|token|api[-_]?key|authori[sz]ation|cookie|credential|private[-_]?key|signature|otp|session[-_]?key/i;

const SECRET_VALUE = [
  /^Bearer\s+\S+/i,
  // JWT: three base64url parts, the first a JSON header ("eyJ" = '{"').
  /^eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/,
  // Rampart API keys.
  /^rk_[A-Za-z0-9_-]{16,}$/,
];

export const REDACTED = "[redacted]";
const MAX_DEPTH = 8;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

export function redactSecrets(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return SECRET_VALUE.some((p) => p.test(value)) ? REDACTED : value;
  if (value === null || typeof value !== "object") return value;
  if (depth >= MAX_DEPTH) return REDACTED;
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1));
  if (value instanceof Date) return value.toISOString();
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined || isSecretKey(key)) continue;
    out[key] = redactSecrets(item, depth + 1);
  }
  return out;
}
