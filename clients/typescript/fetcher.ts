/**
 * The one function every generated operation calls (orval's "mutator"). Hand-written and
 * dependency-free: only the platform's fetch, Headers and JSON. Each call may carry its own
 * base URL and credentials, so a server rendering pages for many users never shares a token
 * through module state; `configureRampartClient` sets process-wide defaults (the base URL).
 */
export interface RampartRequestInit extends RequestInit {
  /** e.g. "https://api.example.com"; defaults to the configured base URL. */
  readonly baseUrl?: string;
  /** Sent as `Authorization: Bearer <token>`. */
  readonly accessToken?: string;
  /** Sent as `X-API-Key`. */
  readonly apiKey?: string;
  /** A fetch implementation to use instead of the global one (tests, instrumentation). */
  readonly fetch?: typeof fetch;
}

export interface RampartClientDefaults {
  readonly baseUrl: string;
  readonly fetch?: typeof fetch;
  /** Headers added to every request, e.g. a user agent. */
  readonly headers?: Readonly<Record<string, string>>;
}

let defaults: RampartClientDefaults = { baseUrl: "" };

export function configureRampartClient(options: RampartClientDefaults): void {
  defaults = { ...options };
}

/** Every generated response: the parsed body, the status it came with, the headers. */
export interface RampartResponse<T = unknown> {
  readonly data: T;
  readonly status: number;
  readonly headers: Headers;
}

export async function rampartFetch<T>(path: string, init: RampartRequestInit = {}): Promise<T> {
  const { baseUrl, accessToken, apiKey, fetch: fetchImpl, headers: given, ...request } = init;
  const headers = new Headers(defaults.headers);
  new Headers(given).forEach((value, name) => {
    headers.set(name, value);
  });
  if (accessToken !== undefined) headers.set("authorization", `Bearer ${accessToken}`);
  if (apiKey !== undefined) headers.set("x-api-key", apiKey);
  if (request.body !== undefined && request.body !== null && !headers.has("content-type")) {
    headers.set("content-type", "application/json");
  }
  const url = `${(baseUrl ?? defaults.baseUrl).replace(/\/$/, "")}${path}`;
  const response = await (fetchImpl ?? defaults.fetch ?? fetch)(url, { ...request, headers });
  const result: RampartResponse = { data: await bodyOf(response), status: response.status, headers: response.headers };
  return result as T;
}

/** JSON (including application/problem+json) is parsed; an empty body is undefined; anything else is text. */
async function bodyOf(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === "") return undefined;
  const type = response.headers.get("content-type") ?? "";
  return /^application\/([\w.+-]+\+)?json/i.test(type) ? JSON.parse(text) : text;
}
