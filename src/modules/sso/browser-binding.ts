import type { FastifyReply, FastifyRequest } from "fastify";
import { hashToken, newOpaqueToken } from "../identity/index.ts";
import type { SsoDeps } from "./service.ts";

/**
 * Binds an SSO sign-in to the browser that started it (RFC 6749 §10.12: `state` protects
 * against CSRF only when bound to the user agent). Starting a sign-in — discovery, or an
 * owner's test — sets this cookie and stores its hash with the flow (OIDC) or the request
 * id (SAML); the OIDC callback and the SAML ACS are refused without the same cookie. So a
 * response someone obtained for their own account cannot be completed in a victim's browser
 * (login CSRF), whoever started it.
 *
 * SameSite=None when cookies are Secure: the SAML IdP posts the response cross-site, which
 * Lax would strip the cookie from (the OIDC redirect is a top-level GET: Lax would do). Over
 * plain http (development) browsers refuse None without Secure, so Lax: OIDC works, SAML's
 * cross-site POST arrives without the cookie and is refused.
 */
export const SSO_BROWSER_COOKIE = "rampart_sso";
const COOKIE_PATH = "/api/v1/auth/sso";
const VALUE = /^[A-Za-z0-9_-]{20,100}$/;

const hashOf = (value: string) => hashToken(`sso-browser:${value}`);

/** Sets (or renews) the binding cookie; the hash to store with the flow. */
export function bindBrowser(deps: SsoDeps, request: FastifyRequest, reply: FastifyReply): string {
  const existing = request.cookies[SSO_BROWSER_COOKIE];
  const value = existing && VALUE.test(existing) ? existing : newOpaqueToken();
  const secure = deps.identity.config.COOKIE_SECURE;
  reply.setCookie(SSO_BROWSER_COOKIE, value, {
    httpOnly: true,
    secure,
    sameSite: secure ? "none" : "lax",
    path: COOKIE_PATH,
    domain: deps.identity.config.COOKIE_DOMAIN,
    maxAge: deps.settings.flowTtlS,
  });
  return hashOf(value);
}

/** The hash of the binding cookie this request carries, if any. */
export function browserBindingOf(request: FastifyRequest): string | undefined {
  const value = request.cookies[SSO_BROWSER_COOKIE];
  return value && VALUE.test(value) ? hashOf(value) : undefined;
}
