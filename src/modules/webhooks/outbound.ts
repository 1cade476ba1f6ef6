import https from "node:https";
import { http } from "../../platform/node-http.ts";
import { checkUrlForm, pinnedLookup, type Resolver, resolveTarget, TargetRefused } from "./ssrf.ts";

export const MAX_RESPONSE_BYTES = 64 * 1024;

export type AttemptOutcome =
  | { readonly kind: "delivered"; readonly status: number; readonly latencyMs: number }
  /** Worth another attempt: 5xx, 429, a timeout or a connection error. */
  | {
      readonly kind: "retry";
      readonly status: number | null;
      readonly latencyMs: number;
      readonly error: string;
      readonly retryAfterMs?: number;
    }
  /** Will fail the same way again: a refused target, a redirect, another 4xx. */
  | { readonly kind: "refused"; readonly status: number | null; readonly latencyMs: number; readonly error: string };

export interface PostOptions {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly timeoutMs: number;
  readonly allowPrivate: boolean;
  readonly resolve: Resolver;
  readonly now?: () => number;
}

/** Retry-After as seconds or an HTTP date → milliseconds from now; undefined when absent or unreadable. */
export function retryAfterMs(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === "") return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * One delivery attempt: POST the body to the URL, SSRF-safe. The host is resolved and
 * checked first and the socket connects to that checked address (the `lookup` handed to
 * the request returns it), while Host and TLS name stay the URL's. No redirect is followed
 * (a 3xx is a refusal), the whole attempt is bounded by `timeoutMs`, and at most 64 KiB of
 * the answer is read.
 */
export async function postOnce(options: PostOptions): Promise<AttemptOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let url: URL;
  let target: Awaited<ReturnType<typeof resolveTarget>>;
  try {
    url = checkUrlForm(options.url);
    target = await resolveTarget(url, options.allowPrivate, options.resolve);
  } catch (error) {
    if (error instanceof TargetRefused)
      return { kind: "refused", status: null, latencyMs: elapsed(), error: error.message };
    return { kind: "retry", status: null, latencyMs: elapsed(), error: `DNS: ${(error as Error).message}` };
  }
  const pinned = pinnedLookup(target);
  const transport = url.protocol === "https:" ? https : http;
  return new Promise<AttemptOutcome>((resolve) => {
    let settled = false;
    const finish = (outcome: AttemptOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve(outcome);
    };
    const request = transport.request(
      url,
      {
        method: "POST",
        // An IP-literal host needs no lookup; a name is "resolved" to the address checked above.
        lookup: pinned,
        headers: { ...options.headers, "content-length": String(Buffer.byteLength(options.body)) },
        agent: false,
      },
      (response) => {
        const status = response.statusCode ?? 0;
        let read = 0;
        const done = () => {
          const latencyMs = elapsed();
          if (status >= 200 && status < 300) return finish({ kind: "delivered", status, latencyMs });
          if (status === 429 || status >= 500) {
            const after = retryAfterMs(response.headers["retry-after"]);
            return finish({
              kind: "retry",
              status,
              latencyMs,
              error: `HTTP ${status}`,
              ...(after === undefined ? {} : { retryAfterMs: after }),
            });
          }
          const why = status >= 300 && status < 400 ? `HTTP ${status}: redirects are not followed` : `HTTP ${status}`;
          return finish({ kind: "refused", status, latencyMs, error: why });
        };
        response.on("data", (chunk: Buffer) => {
          read += chunk.length;
          if (read >= MAX_RESPONSE_BYTES) done();
        });
        response.on("end", done);
        response.on("error", done);
      },
    );
    const timer = setTimeout(
      () =>
        finish({ kind: "retry", status: null, latencyMs: elapsed(), error: `timed out after ${options.timeoutMs} ms` }),
      options.timeoutMs,
    );
    request.on("error", (error: NodeJS.ErrnoException) =>
      finish({ kind: "retry", status: null, latencyMs: elapsed(), error: error.code ?? error.message }),
    );
    request.end(options.body);
  });
}
