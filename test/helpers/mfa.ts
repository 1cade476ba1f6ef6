import assert from "node:assert/strict";
import { totpCodeAt } from "../../src/modules/identity/totp.ts";
import { bearer, type IdentityHarness, STRONG_PASSWORD, signedInUser } from "./identity.ts";

export const UA = "mfa-test-agent/1.0";

/** The payload of a JWT (no verification: the app verified it; tests read its claims). */
export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8"));
}

/** The current code of a seed by the harness's fake clock, `offsetSteps` time steps away. */
export function codeFor(h: IdentityHarness, secret: string, offsetSteps = 0): string {
  return totpCodeAt(secret, h.clock.now().getTime() + offsetSteps * 30_000);
}

/** A verified user with a confirmed authenticator app: their tokens, seed and recovery codes. */
export async function userWithTotp(h: IdentityHarness, email: string) {
  const user = await signedInUser(h, email);
  const enrol = await h.app.inject({
    method: "POST",
    url: "/api/v1/auth/factors/totp",
    headers: bearer(user.accessToken),
    payload: {},
  });
  assert.equal(enrol.statusCode, 201, enrol.body);
  const { id, secret } = enrol.json() as { id: string; secret: string };
  // The enrolment's own code is spent: step back one, so sign-ins right after use a fresh step.
  const confirm = await h.app.inject({
    method: "POST",
    url: `/api/v1/auth/factors/totp/${id}/confirm`,
    headers: bearer(user.accessToken),
    payload: { code: codeFor(h, secret, -1) },
  });
  assert.equal(confirm.statusCode, 200, confirm.body);
  const recoveryCodes = (confirm.json() as { recoveryCodes: string[] }).recoveryCodes;
  return { ...user, email, factorId: id, secret, recoveryCodes };
}

/** A password sign-in of an account with a factor: the ticket (native client unless a cookie jar is wanted). */
export async function ticketFor(h: IdentityHarness, email: string, userAgent = UA) {
  const res = await h.app.inject({
    method: "POST",
    url: "/api/v1/auth/login",
    headers: { "user-agent": userAgent },
    payload: { email, password: STRONG_PASSWORD, clientType: "native" },
  });
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json() as { mfaRequired: true; ticket: string; factors: string[]; expiresIn: number };
  assert.equal(body.mfaRequired, true);
  return body;
}

export function verifyMfa(h: IdentityHarness, payload: Record<string, unknown>, headers: Record<string, string> = {}) {
  return h.app.inject({
    method: "POST",
    url: "/api/v1/auth/mfa/verify",
    headers: { "user-agent": UA, ...headers },
    payload: { clientType: "native", ...payload },
  });
}
