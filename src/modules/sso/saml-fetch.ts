import https from "node:https";
import { Readable } from "node:stream";
import { http } from "../../platform/node-http.ts";
import { checkUrlForm, pinnedLookup, type Resolver, resolveTarget, systemResolver } from "../webhooks/index.ts";

/**
 * A `fetch` for an IdP metadata URL an owner typed in: an outbound GET on the owner's
 * behalf, so it gets the webhooks' SSRF guard. The host is resolved and every address
 * checked (loopback, private, link-local / cloud metadata … refused unless `allowPrivate`),
 * and the socket connects to exactly the checked address (no second DNS answer can slip
 * in). Redirects are not followed: a 3xx is an error, as with `redirect: "error"`.
 * fetchIdpMetadata bounds the time (the signal) and the size of what is read.
 */
export function ssrfSafeFetch(allowPrivate: boolean, resolve: Resolver = systemResolver): typeof fetch {
  return async (input, init) => {
    const url = checkUrlForm(input instanceof URL ? input.href : typeof input === "string" ? input : input.url);
    const target = await resolveTarget(url, allowPrivate, resolve);
    const pinned = pinnedLookup(target);
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    const transport = url.protocol === "https:" ? https : http;
    return new Promise<Response>((resolvePromise, reject) => {
      const request = transport.get(
        url,
        { lookup: pinned, headers, agent: false, ...(init?.signal ? { signal: init.signal } : {}) },
        (response) => {
          const status = response.statusCode ?? 0;
          if (status >= 300 && status < 400) {
            response.destroy();
            reject(new Error(`HTTP ${status}: redirects are not followed`));
            return;
          }
          const answer = new Headers();
          for (const [name, value] of Object.entries(response.headers)) {
            if (value !== undefined) answer.set(name, Array.isArray(value) ? value.join(", ") : value);
          }
          const body = Readable.toWeb(response) as ReadableStream<Uint8Array>;
          resolvePromise(new Response(status === 204 || status === 304 ? null : body, { status, headers: answer }));
        },
      );
      request.on("error", reject);
    });
  };
}
