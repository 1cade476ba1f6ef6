import type {} from "@fastify/cookie";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Config } from "../../config/settings/index.ts";
import { identityErrors } from "./errors.ts";

export const REFRESH_COOKIE = "rampart_refresh";
/** The cookie goes only to the auth endpoints that need it, never to the rest of the API. */
export const REFRESH_COOKIE_PATH = "/api/v1/auth";

export function setRefreshCookie(reply: FastifyReply, config: Config, token: string): void {
  reply.setCookie(REFRESH_COOKIE, token, {
    httpOnly: true,
    secure: config.COOKIE_SECURE,
    sameSite: config.COOKIE_SAMESITE,
    path: REFRESH_COOKIE_PATH,
    domain: config.COOKIE_DOMAIN,
    maxAge: config.REFRESH_TOKEN_TTL_S,
  });
}

export function clearRefreshCookie(reply: FastifyReply, config: Config): void {
  reply.clearCookie(REFRESH_COOKIE, { path: REFRESH_COOKIE_PATH, domain: config.COOKIE_DOMAIN });
}

/**
 * CSRF defence for cookie-authenticated state changes: the browser always sends Origin on
 * cross-site POSTs, so a request whose Origin (or Referer, when Origin is absent) is not an
 * allowed origin is refused. SameSite=Strict is the first line; this is the second.
 */
export function assertAllowedOrigin(request: FastifyRequest, allowedOrigins: readonly string[]): void {
  const origin = request.headers.origin ?? originOf(request.headers.referer);
  if (!origin || !(allowedOrigins.includes(origin) || origin === ownOrigin(request)))
    throw identityErrors.originRejected();
}

/**
 * The API's own origin (scheme and Host, as the trusted-proxy settings resolve them) is
 * allowed too: a page served by Rampart itself — the console at /console — is same-origin,
 * not cross-site. A cross-site page cannot send this Origin, and a rebound hostname carries
 * no cookie of this one.
 */
function ownOrigin(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

function originOf(referer: string | undefined): string | undefined {
  if (!referer) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return undefined;
  }
}

/** Binds a browser's sign-in ticket to the browser (mfa-tickets.ts): sent only to the MFA endpoint. */
export const MFA_COOKIE = "rampart_mfa";
export const MFA_COOKIE_PATH = "/api/v1/auth/mfa";

export function setMfaCookie(reply: FastifyReply, config: Config, value: string): void {
  reply.setCookie(MFA_COOKIE, value, {
    httpOnly: true,
    secure: config.COOKIE_SECURE,
    sameSite: config.COOKIE_SAMESITE,
    path: MFA_COOKIE_PATH,
    domain: config.COOKIE_DOMAIN,
    maxAge: config.MFA_TICKET_TTL_S,
  });
}

export function clearMfaCookie(reply: FastifyReply, config: Config): void {
  reply.clearCookie(MFA_COOKIE, { path: MFA_COOKIE_PATH, domain: config.COOKIE_DOMAIN });
}
