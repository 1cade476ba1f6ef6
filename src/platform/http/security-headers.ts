import type { FastifyInstance } from "fastify";
import { addRouteHook } from "./route-hooks.ts";

export interface SecurityHeaderOptions {
  /** HSTS only in production: on a development http://localhost it would pin the browser to https. */
  readonly hsts: boolean;
}

export interface RouteSecurityHeaders {
  /** A narrower-than-default need, e.g. the API docs page: "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'". */
  readonly contentSecurityPolicy?: string;
}

declare module "fastify" {
  interface FastifyContextConfig {
    securityHeaders?: RouteSecurityHeaders;
  }
}

/** An API answers JSON to programs: it needs no script, frame, style or powerful feature. */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";

const BASE_HEADERS: Readonly<Record<string, string>> = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "content-security-policy": API_CONTENT_SECURITY_POLICY,
  "referrer-policy": "no-referrer",
  "permissions-policy":
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=(), interest-cohort=()",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  // OWASP: the legacy XSS auditor's "1; mode=block" can itself be abused; 0 turns it off.
  "x-xss-protection": "0",
};

const HSTS = "max-age=31536000; includeSubDomains";

/**
 * Sets the security headers on every response — success, problem, 404, preflight —
 * in onSend, the last step before writing, so no route or error path can forget them.
 * A response to a request that carried credentials is marked no-store: shared caches
 * and the browser's back button must never replay someone's private data.
 */
export function installSecurityHeaders(app: FastifyInstance, options: SecurityHeaderOptions): void {
  const headers = options.hsts ? { ...BASE_HEADERS, "strict-transport-security": HSTS } : BASE_HEADERS;
  app.addHook("onSend", (request, reply, payload, done) => {
    reply.headers(headers);
    const h = request.headers;
    if (h.authorization !== undefined || h["x-api-key"] !== undefined || h.cookie !== undefined) {
      reply.header("cache-control", "no-store");
    }
    done(null, payload);
  });
  // The few routes that narrow the policy replace it after the global hook has set the default.
  addRouteHook(app, "onSend", "contentSecurityPolicy", (route) => {
    const csp = route.config?.securityHeaders?.contentSecurityPolicy;
    if (csp === undefined) return undefined;
    return (_request, reply, payload, done) => {
      reply.header("content-security-policy", csp);
      done(null, payload);
    };
  });
}
