import type { FastifyInstance, InjectOptions } from "fastify";

/**
 * SSO sign-ins are bound to the browser that started them (src/modules/sso/browser-binding.ts):
 * the start sets the `rampart_sso` cookie and the callback or ACS is refused without it. A
 * test world plays one browser: every request it injects carries the same binding cookie
 * (the start keeps an existing one), unless a request names its own `rampart_sso` — which is
 * how a test plays another browser.
 */
export const SSO_BROWSER_COOKIE = "rampart_sso=test-browser-0123456789abcdefghij";
export const OTHER_BROWSER_COOKIE = "rampart_sso=another-browser-0123456789abcdef";

export function actAsOneBrowser(app: FastifyInstance): void {
  const inject = app.inject.bind(app);
  const asBrowser = (options: InjectOptions | string) => {
    const opts: InjectOptions = typeof options === "string" ? { url: options } : options;
    const headers = { ...(opts.headers ?? {}) };
    const cookie = typeof headers.cookie === "string" ? headers.cookie : undefined;
    if (!cookie?.includes("rampart_sso="))
      headers.cookie = cookie ? `${cookie}; ${SSO_BROWSER_COOKIE}` : SSO_BROWSER_COOKIE;
    return inject({ ...opts, headers });
  };
  // Tests call inject(options) only; the chainable form without arguments is not used here.
  Object.assign(app, { inject: asBrowser });
}
