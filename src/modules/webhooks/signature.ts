import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): the secret is `whsec_` and
 * base64 key bytes; the signature is base64 HMAC-SHA256 of `<id>.<timestamp>.<body>`,
 * sent as `v1,<signature>` — several, space-separated, while a rotated secret overlaps.
 */
export const SECRET_PREFIX = "whsec_";

export function newWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString("base64")}`;
}

function keyOf(secret: string): Buffer {
  return Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, "base64");
}

export function sign(secret: string, id: string, timestamp: number, body: string): string {
  const mac = createHmac("sha256", keyOf(secret)).update(`${id}.${timestamp}.${body}`).digest("base64");
  return `v1,${mac}`;
}

export interface SignedHeaders {
  readonly "webhook-id": string;
  readonly "webhook-timestamp": string;
  readonly "webhook-signature": string;
}

export function signedHeaders(secrets: readonly string[], id: string, timestamp: number, body: string): SignedHeaders {
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": secrets.map((secret) => sign(secret, id, timestamp, body)).join(" "),
  };
}

export type VerifyResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** What a receiver checks: one of the v1 signatures matches, and the timestamp is within tolerance. */
export function verifySignature(
  secret: string,
  input: { id: string; timestamp: string; signature: string; body: string },
  options: { nowS?: number; toleranceS?: number } = {},
): VerifyResult {
  const timestamp = Number(input.timestamp);
  if (!Number.isInteger(timestamp)) return { ok: false, reason: "webhook-timestamp is not a Unix time in seconds" };
  const now = options.nowS ?? Math.floor(Date.now() / 1000);
  const tolerance = options.toleranceS ?? 300;
  if (Math.abs(now - timestamp) > tolerance) return { ok: false, reason: "webhook-timestamp is outside the tolerance" };
  const expected = Buffer.from(sign(secret, input.id, timestamp, input.body).slice(3), "base64");
  for (const candidate of input.signature.split(" ")) {
    const [version, mac] = candidate.split(",", 2);
    if (version !== "v1" || mac === undefined) continue;
    const given = Buffer.from(mac, "base64");
    if (given.length === expected.length && timingSafeEqual(given, expected)) return { ok: true };
  }
  return { ok: false, reason: "no v1 signature matches the secret" };
}
