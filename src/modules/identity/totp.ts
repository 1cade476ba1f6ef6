import { Secret, TOTP } from "otpauth";

// RFC 6238 with the parameters every authenticator app supports: SHA-1, 6 digits, 30 s.
const PERIOD_S = 30;
const DIGITS = 6;
/** ±1 time step of clock skew between the phone and the server. */
const SKEW_STEPS = 1;

function totpOf(base32: string, label = "account", issuer = "Rampart"): TOTP {
  return new TOTP({
    issuer,
    label,
    algorithm: "SHA1",
    digits: DIGITS,
    period: PERIOD_S,
    secret: Secret.fromBase32(base32),
  });
}

/** A new 160-bit seed (RFC 4226 §4's recommended length), base32 as authenticator apps take it. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The `otpauth://` URI an authenticator app scans, and the same URI as an SVG QR code. */
export async function totpProvisioning(base32: string, label: string, issuer: string) {
  const uri = totpOf(base32, label, issuer).toString();
  // Loaded on first enrolment: the QR encoder (and its PNG stack) serves nothing else.
  const { default: QRCode } = await import("qrcode");
  const qrSvg = await QRCode.toString(uri, { type: "svg", errorCorrectionLevel: "M", margin: 2 });
  return { uri, qrSvg };
}

/**
 * The time step a code belongs to, if it is valid at `nowMs` within ±1 step; undefined
 * otherwise. The caller accepts a step only once (factors.ts).
 */
export function matchingTotpStep(base32: string, code: string, nowMs: number): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const delta = totpOf(base32).validate({ token: code, timestamp: nowMs, window: SKEW_STEPS });
  if (delta === null) return undefined;
  return TOTP.counter({ period: PERIOD_S, timestamp: nowMs }) + delta;
}

/** The current code (tests and the CLI's diagnostics; never sent to a client). */
export function totpCodeAt(base32: string, nowMs: number): string {
  return totpOf(base32).generate({ timestamp: nowMs });
}
